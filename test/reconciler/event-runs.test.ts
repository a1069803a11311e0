import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../../src/db/client';
import type { EventType } from '../../src/domain/event-type';
import { workflowIdFor } from '../../src/greetings/ids';
import { reconcile, type ReconcilerDependencies } from '../../src/reconciler/reconcile';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { createTestWorker, isolatedTestDb, startDevServer, uniqueTaskQueue } from '../support/environment';
import { personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { call, silentLog, startApi } from '../support/service';

// The reconciler against the real dev server and a database of its own: every event a live user has gets a running
// workflow, and a workflow of an event the user no longer has is cancelled, whatever the API could not do.
let env: TestWorkflowEnvironment;
let db: Db;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('reconcile-events');

beforeAll(async () => {
  env = await startDevServer();
  db = await isolatedTestDb('reconcile_events');
  worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await db?.$disconnect();
  await env?.teardown();
});

const workflows = () => new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });

function deps(): ReconcilerDependencies {
  return { db, client: env.client, workflows: workflows(), taskQueue, log: silentLog, graceMs: 0 };
}

async function createUser(anniversary: string | null): Promise<string> {
  const api = await startApi(env, { db, taskQueue });
  try {
    const person = { ...personWithBirthdayIn(20, Date.now(), 'Europe/Rome'), anniversary };
    const created = await call(api.url, 'POST', '/users', person);
    expect(created.status).toBe(201);
    return created.body.id as string;
  } finally {
    await api.close();
  }
}

async function statusOf(userId: string, eventType: EventType): Promise<string | null> {
  try {
    return (await env.client.workflow.getHandle(workflowIdFor(userId, eventType)).describe()).status.name;
  } catch {
    return null;
  }
}

/** Waits until visibility lists the workflow as running (`true`) or not (`false`): the sweep reads visibility. */
async function visiblyRunning(userId: string, eventType: EventType, expected: boolean): Promise<void> {
  const workflowId = workflowIdFor(userId, eventType);
  await eventually(
    async () => {
      const { count } = await env.client.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`);
      return (count === 1) === expected ? true : undefined;
    },
    `visibility to show ${workflowId} ${expected ? 'running' : 'closed'}`,
  );
}

test('the full sweep starts a missing anniversary workflow and cancels one whose anniversary was removed', async () => {
  const missing = await createUser('2016-05-05');
  const removed = await createUser('2016-05-05');
  await workflows().nextDelivery(removed, 'anniversary');
  await env.client.workflow.getHandle(workflowIdFor(missing, 'anniversary')).terminate('operator mistake');
  // Removed behind the API's back (no flag): only the full sweep can see it.
  await db.user.update({ where: { id: removed }, data: { anniversary: null } });
  await visiblyRunning(missing, 'anniversary', false);
  await visiblyRunning(removed, 'anniversary', true);

  const report = await reconcile(deps(), { fullSweep: true });

  expect(report).toMatchObject({ started: 1, cancelled: 1, failed: 0 });
  expect(await statusOf(missing, 'anniversary')).toBe('RUNNING');
  expect((await workflows().nextDelivery(missing, 'anniversary'))!.localDate.slice(5)).toBe('05-05');
  await eventually(
    async () => ((await statusOf(removed, 'anniversary')) === 'CANCELLED' ? true : undefined),
    'the removed anniversary run to be cancelled',
  );
  for (const userId of [missing, removed]) expect(await statusOf(userId, 'birthday')).toBe('RUNNING');
});

test('a flagged user: the quick pass starts an anniversary added and leaves a user without one with none', async () => {
  const added = await createUser(null);
  const without = await createUser(null);
  // The API saved the anniversary and flagged the row, but Temporal did not answer.
  await db.user.update({
    where: { id: added },
    data: { anniversary: new Date('2016-05-05T00:00:00Z'), workflowSyncRequestedAt: new Date() },
  });
  await db.user.update({ where: { id: without }, data: { workflowSyncRequestedAt: new Date() } });

  const report = await reconcile(deps(), { fullSweep: false });

  expect(report).toMatchObject({ synced: 2, failed: 0 });
  expect(await statusOf(added, 'anniversary')).toBe('RUNNING');
  expect((await workflows().nextDelivery(added, 'anniversary'))!.localDate.slice(5)).toBe('05-05');
  expect(await statusOf(without, 'anniversary')).toBeNull();
});
