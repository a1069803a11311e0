import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { dispatchWorkflowIdFor } from '../../src/greetings/ids';
import { dispatchSweepScheduleIdFor, ensureDispatchSweepSchedule } from '../../src/temporal/dispatch-sweep-schedule';
import { DISPATCH_SWEEP_HORIZON_MS } from '../../src/temporal/due-dispatchers';
import { dispatchSweepWorkflow } from '../../src/workflows/dispatch-sweep';
import { createTestWorker, isolatedTestDb, startDevServer, uniqueTaskQueue } from '../support/environment';
import { deliveriesOf } from '../support/fixtures';
import { dueSoon, eventually } from '../support/real-time';
import { call, startApi } from '../support/service';
import { untilRunsStarted } from '../support/runs-started';
import { startTestReceiver } from '../support/test-receiver';

// The dispatch sweep (a Temporal Schedule, each minute) starts the dispatchers of the instants coming up: a create or
// a plan months ahead starts none, and a dispatcher that is missing (a start that failed, Temporal's store restored)
// is started again while its rows wait. On a real dev server, in real time.

let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  env = await startDevServer();
  db = await isolatedTestDb('dispatch_sweep');
});
afterAll(async () => {
  await env?.teardown();
  await db?.$disconnect();
});

async function dispatcherRuns(dueAt: string): Promise<boolean> {
  try {
    const { status } = await env.client.workflow.getHandle(dispatchWorkflowIdFor(dueAt)).describe();
    return status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** One round of the sweep, as the Schedule starts it, here with a horizon of the test's choosing. */
function sweep(taskQueue: string, horizonMs: number): Promise<number> {
  return env.client.workflow.execute(dispatchSweepWorkflow, {
    workflowId: `sweep-now-${taskQueue}-${horizonMs}`,
    taskQueue,
    args: [{ horizonMs }],
  });
}

test('each worker makes sure of one Schedule per task queue that runs the sweep each minute', async () => {
  const taskQueue = uniqueTaskQueue('sweep-schedule');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    // What every other worker of the queue does at its start: it finds the Schedule.
    await ensureDispatchSweepSchedule(env.client, taskQueue);
    const schedules = [];
    for await (const schedule of env.client.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.filter((id) => id === dispatchSweepScheduleIdFor(taskQueue))).toHaveLength(1);
    const described = await env.client.schedule.getHandle(dispatchSweepScheduleIdFor(taskQueue)).describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dispatchSweepWorkflow', taskQueue });
    expect(described.spec.intervals).toMatchObject([{ every: 60_000 }]);
  });
});

test('a create due beyond the horizon starts no dispatcher; the sweep starts it once the instant is within it', async () => {
  const taskQueue = uniqueTaskQueue('sweep-far');
  const { person, deliveryTime } = dueSoon(DISPATCH_SWEEP_HORIZON_MS / 1000 + 600);
  const api = await startApi(env, { db, taskQueue, worker: { deliveryTime } });
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/x', deliveryTime });
  try {
    await worker.runUntil(async () => {
      const created = await call(api.url, 'POST', '/users', person);
      expect(created.status).toBe(201);
      const dueAt: string = created.body.nextDelivery.instant;
      // The API starts the runs, and a dispatcher of an instant close by, right after the answer.
      await untilRunsStarted(db, created.body.id);
      expect(await dispatcherRuns(dueAt)).toBe(false);

      expect(await sweep(taskQueue, DISPATCH_SWEEP_HORIZON_MS)).toBe(0);
      expect(await dispatcherRuns(dueAt)).toBe(false);
      // As the sweep sees it ten minutes later: the instant is within the horizon.
      expect(await sweep(taskQueue, DISPATCH_SWEEP_HORIZON_MS + 660_000)).toBeGreaterThanOrEqual(1);
      expect(await dispatcherRuns(dueAt)).toBe(true);
    });
  } finally {
    await api.close();
  }
});

test('a dispatcher lost before its instant is started again by the sweep, and sends the instant', async () => {
  const taskQueue = uniqueTaskQueue('sweep-lost');
  const receiver = await startTestReceiver();
  const { person, deliveryTime } = dueSoon(8);
  // The users' runs wake a minute after the instant: only a dispatcher sends before that.
  const api = await startApi(env, { db, taskQueue, worker: { deliveryTime, handOverWindowMs: 60_000 } });
  const worker = await createTestWorker(env, {
    db,
    taskQueue,
    webhookUrl: receiver.url,
    deliveryTime,
    handOverWindowMs: 60_000,
  });
  try {
    await worker.runUntil(async () => {
      const created = await call(api.url, 'POST', '/users', person);
      expect(created.status).toBe(201);
      const dueAt: string = created.body.nextDelivery.instant;
      // The API starts the runs, and a dispatcher of an instant close by, right after the answer.
      await untilRunsStarted(db, created.body.id);
      expect(await dispatcherRuns(dueAt)).toBe(true);
      await env.client.workflow.getHandle(dispatchWorkflowIdFor(dueAt)).terminate('lost with the store');

      expect(await sweep(taskQueue, DISPATCH_SWEEP_HORIZON_MS)).toBeGreaterThanOrEqual(1);
      expect(await dispatcherRuns(dueAt)).toBe(true);
      const [request] = await receiver.waitForRequests(1, 30_000);
      expect(request!.receivedAtMs).toBeGreaterThanOrEqual(Date.parse(dueAt));
      expect(request!.receivedAtMs).toBeLessThan(Date.parse(dueAt) + 30_000);
      // The receiver sees the POST before the dispatcher settles the row on its answer: wait for the settle.
      const [row] = await eventually(async () => {
        const rows = await deliveriesOf(db, created.body.id);
        return rows[0]?.status === 'sending' ? undefined : rows;
      }, 'the dispatcher to settle the row');
      expect(row).toMatchObject({ status: 'delivered', workflowId: dispatchWorkflowIdFor(dueAt) });
    });
  } finally {
    await api.close();
    await receiver.close();
  }
});
