import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb, type Db } from '../../src/db/client';
import { useDevServer } from '../support/dev-server';
import {
  createTestWorker,
  isolatedTestDatabaseUrl,
  uniqueTaskQueue,
  TEST_WEBHOOK_SECRET,
} from '../support/environment';
import { deliveriesOf } from '../support/fixtures';
import { dueSoon, eventually, sleep } from '../support/real-time';
import { call, startApi } from '../support/service';
import { gate, startTestReceiver, type TestReceiver } from '../support/test-receiver';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from '../support/worker-process';

// The real worker process (`npm run worker`) on the real dev server, stopped with a real signal.
let env: TestWorkflowEnvironment;
useDevServer((setup) => ({ env } = setup));

jest.setTimeout(300_000);

interface Setup {
  db: Db;
  taskQueue: string;
  receiver: TestReceiver;
  worker: WorkerProcess;
  /** Creates a user through the API whose greeting is due a few seconds from now. */
  createUserDueSoon(): Promise<{ id: string }>;
  close(): Promise<void>;
}

/** A worker process on a task queue and a database of its own, delivering to a test receiver. */
async function setUp(receiver: TestReceiver, workerSettings: Record<string, string>): Promise<Setup> {
  const taskQueue = uniqueTaskQueue('shutdown');
  const databaseUrl = await isolatedTestDatabaseUrl('shutdown');
  const db = createDb(databaseUrl);
  // The worker owns DELIVERY_TIME: chosen before it starts, far enough ahead for its start-up (it bundles the
  // workflows first: 13 s measured on a loaded machine) and the user's create, or the user is due next year.
  const due = dueSoon(40);
  const worker = await startWorkerProcess({
    DELIVERY_TIME: due.deliveryTime,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    ...workerSettings,
  });
  const closers: Array<() => Promise<unknown>> = [() => worker.stop(), () => receiver.close(), () => db.$disconnect()];
  const close = async () => {
    for (const closer of closers) await closer();
  };
  try {
    await waitUntilPolling(env.client, taskQueue, worker);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db,
    taskQueue,
    receiver,
    worker,
    async createUserDueSoon() {
      const api = await startApi(env, { db, taskQueue, worker: { deliveryTime: due.deliveryTime } });
      closers.unshift(() => api.close());
      const created = await call(api.url, 'POST', '/users', due.person);
      expect(created.status).toBe(201);
      return created.body;
    },
    close,
  };
}

test('SIGTERM while a POST is in flight: the answer is awaited, the ledger says delivered, the process exits 0', async () => {
  const hold = gate();
  const receiver = await startTestReceiver({ holdFor: () => hold.opened });
  const setup = await setUp(receiver, { WORKER_SHUTDOWN_GRACE_TIME: '30s', WEBHOOK_TIMEOUT_MS: '30000' });
  try {
    const user = await setup.createUserDueSoon();
    await receiver.waitForRequests(1, 60_000);

    setup.worker.kill('SIGTERM');
    // The receiver holds its answer: the worker must still be there, waiting for it.
    await sleep(3_000);
    expect(setup.worker.isRunning()).toBe(true);
    expect((await deliveriesOf(setup.db, user.id)).map((row) => row.status)).toEqual(['sending']);
    hold.release();

    expect(await setup.worker.exited).toEqual({ code: 0, signal: null });
    const [row] = await deliveriesOf(setup.db, user.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, lastError: null });
    expect(receiver.requests).toHaveLength(1);
  } finally {
    hold.release();
    await setup.close();
  }
});

test('past the grace time the POST is cut short and recorded for a retry, the process exits 0, and the retry carries the same key', async () => {
  const hold = gate();
  const receiver = await startTestReceiver({ holdFor: (n) => (n === 1 ? hold.opened : undefined) });
  const setup = await setUp(receiver, { WORKER_SHUTDOWN_GRACE_TIME: '2s', WEBHOOK_TIMEOUT_MS: '120000' });
  try {
    const user = await setup.createUserDueSoon();
    await receiver.waitForRequests(1, 60_000);

    setup.worker.kill('SIGTERM');
    // The first answer never comes while the worker runs: it exits on its own once the grace time is over.
    expect(await setup.worker.exited).toEqual({ code: 0, signal: null });
    const [cut] = await deliveriesOf(setup.db, user.id);
    expect(cut).toMatchObject({ status: 'pending', attempts: 1 });
    expect(cut!.lastError).toContain('the worker shut down before the receiver answered');

    // Another worker on the queue takes the retry (after the activity's backoff) and delivers with the same key.
    const successor = await createTestWorker(env, {
      db: setup.db,
      taskQueue: setup.taskQueue,
      webhookUrl: receiver.url,
    });
    await successor.runUntil(async () => {
      await receiver.waitForRequests(2, 60_000);
      await eventually(async () => {
        const [row] = await deliveriesOf(setup.db, user.id);
        return row?.status === 'delivered' ? row : undefined;
      }, 'the retry to be recorded as delivered');
    });
    const [row] = await deliveriesOf(setup.db, user.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 200 });
    const keys = receiver.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toEqual([row!.idempotencyKey, row!.idempotencyKey]);
  } finally {
    hold.release();
    await setup.close();
  }
});
