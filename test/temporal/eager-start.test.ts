import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { useDevServer } from '../support/dev-server';

// `npm start` runs the API and the worker in one process: the API's starts go through the worker's connection and
// ask for eager start, so a new user's first plan never waits behind a backlog on the task queue.

let env: TestWorkflowEnvironment;
let db: Db;

useDevServer((started) => ({ env, db } = started));

test("a start on the worker's own connection hands the first task straight to that worker, which plans at once", async () => {
  const taskQueue = uniqueTaskQueue('eager');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  const onWorkerConnection = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const eager = new GreetingWorkflows(onWorkerConnection, { taskQueue, callTimeoutMs: 10_000, eagerStart: true });
  const queued = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });

  await worker.runUntil(async () => {
    const first = await createUserRow(db, personWithBirthdayIn(30, Date.now(), 'Europe/Oslo'));
    expect(await eager.start(first, 'birthday')).toEqual({ eagerlyStarted: true });
    expect(await eager.nextDelivery(first.id, 'birthday')).toMatchObject({ timezone: 'Europe/Oslo' });

    // Without it, the first task goes through the task queue as before.
    const second = await createUserRow(db, personWithBirthdayIn(30, Date.now(), 'Europe/Oslo'));
    expect(await queued.start(second, 'birthday')).toEqual({ eagerlyStarted: false });
    expect(await queued.nextDelivery(second.id, 'birthday')).toMatchObject({ timezone: 'Europe/Oslo' });
  });
});
