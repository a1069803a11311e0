import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { RunningHttpServer } from '../../src/http/http-server';
import { createService } from '../../src/api/service-app';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { reconcile, type ReconcilerDependencies } from '../../src/reconciler/reconcile';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { useDevServer } from '../support/dev-server';
import { createTestWorker, isolatedTestDb, uniqueTaskQueue } from '../support/environment';
import { deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { freePort } from '../support/free-port';
import { untilRunsStarted } from '../support/runs-started';
import { dueSoon, eventually, sleep } from '../support/real-time';
import {
  apiWorkflows,
  call,
  serveOnLoopback,
  silentLog,
  startApi,
  TEST_API_KEY,
  TEST_PLANNING,
} from '../support/service';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';

// Real time on the real dev server: outages are a matter of wall-clock seconds here, not skipped time.
let env: TestWorkflowEnvironment;
useDevServer((setup) => ({ env } = setup));

interface Setup {
  /** A database of the test's own: the reconciler looks at every user in it. */
  db: Db;
  taskQueue: string;
  api: RunningHttpServer;
  receiver: TestReceiver;
  workflows: GreetingWorkflows;
  startWorker(options?: { maxLatenessMs?: number | null }): Promise<{ worker: Worker; stop(): Promise<void> }>;
}

async function setUp(deliveryTime = '09:00'): Promise<Setup & { close(): Promise<void> }> {
  const taskQueue = uniqueTaskQueue('outage');
  const db = await isolatedTestDb('outages');
  const receiver = await startTestReceiver();
  const api = await startApi(env, { db, taskQueue, worker: { deliveryTime } });
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
  const running: Array<() => Promise<void>> = [];
  const startWorker = async (options: { maxLatenessMs?: number | null } = {}) => {
    const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url, deliveryTime, ...options });
    const done = worker.run();
    const stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    };
    running.push(stop);
    return { worker, stop };
  };
  return {
    db,
    taskQueue,
    api,
    receiver,
    workflows,
    startWorker,
    async close() {
      for (const stop of running) await stop();
      await api.close();
      await receiver.close();
      await db.$disconnect();
    },
  };
}

describe('the worker is down at the due time', () => {
  test('the birthday is delivered when the worker comes back, once, with its lateness in the ledger', async () => {
    const { person, deliveryTime } = dueSoon(6);
    const setup = await setUp(deliveryTime);
    try {
      const first = await setup.startWorker();
      const user = (await call(setup.api.url, 'POST', '/users', person)).body;
      await untilRunsStarted(setup.db, user.id);
      const next = (await setup.workflows.nextDelivery(user.id, 'birthday'))!;
      await first.stop();

      await sleep(next.epochMs + 3_000 - Date.now());
      expect(setup.receiver.requests).toHaveLength(0);
      await setup.startWorker();
      await setup.receiver.waitForRequests(1);
      await sleep(2_000);

      expect(setup.receiver.requests).toHaveLength(1);
      const [row] = await deliveriesOf(setup.db, user.id);
      expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(row!.latenessMs).toBeGreaterThanOrEqual(3_000);
      expect(row!.deliveredAt!.getTime() - row!.scheduledAt.getTime()).toBeGreaterThanOrEqual(3_000);
    } finally {
      await setup.close();
    }
  });

  test('later than the lateness limit: recorded as missed with the reason, nothing sent, next year planned', async () => {
    const { person, deliveryTime } = dueSoon(6);
    const setup = await setUp(deliveryTime);
    try {
      const first = await setup.startWorker({ maxLatenessMs: 2_000 });
      const user = (await call(setup.api.url, 'POST', '/users', person)).body;
      await untilRunsStarted(setup.db, user.id);
      const next = (await setup.workflows.nextDelivery(user.id, 'birthday'))!;
      await first.stop();

      await sleep(next.epochMs + 4_000 - Date.now());
      await setup.startWorker({ maxLatenessMs: 2_000 });
      const row = await eventually(async () => {
        const [found] = await deliveriesOf(setup.db, user.id);
        return found?.status === 'missed' ? found : undefined;
      }, 'the ledger to record the occurrence as missed');

      expect(row.lastError).toMatch(/late, over the limit of 2 s/);
      expect(row.latenessMs).toBeGreaterThanOrEqual(4_000);
      expect(row.attempts).toBe(0);
      const after = await eventually(async () => {
        const plan = await setup.workflows.nextDelivery(user.id, 'birthday');
        return plan && plan.year > next.year ? plan : undefined;
      }, 'the workflow to plan next year');
      expect(after.year).toBe(next.year + 1);
      expect(setup.receiver.requests).toHaveLength(0);
    } finally {
      await setup.close();
    }
  });
});

describe('the reconciler', () => {
  function reconcilerFor(setup: Setup): ReconcilerDependencies {
    return {
      db: setup.db,
      client: env.client,
      workflows: setup.workflows,
      taskQueue: setup.taskQueue,
      log: silentLog,
      graceMs: 0,
    };
  }

  async function runningRuns(workflowId: string): Promise<number> {
    const { count } = await env.client.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`);
    return count;
  }

  test('Temporal down at POST: 201 with the plan, and once Temporal is back the user gets exactly one workflow', async () => {
    const setup = await setUp();
    const deadTemporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const deadApi = await serveOnLoopback(
      createService({
        planning: TEST_PLANNING,
        apiKeys: [TEST_API_KEY],
        db: setup.db,
        workflows: apiWorkflows(deadTemporal, setup.taskQueue),
        log: silentLog,
        metrics: createServiceMetrics(),
      }),
    );
    try {
      await setup.startWorker();
      const created = await call(deadApi.url, 'POST', '/users', personWithBirthdayIn(20, Date.now(), 'Europe/Madrid'));
      // Saved, planned and armed: the create waits for Postgres only. Its run's start fails after the answer.
      expect(created.status).toBe(201);
      const userId = created.body.id as string;
      expect((await setup.db.user.findUniqueOrThrow({ where: { id: userId } })).workflowSyncRequestedAt).not.toBeNull();
      const workflowId = workflowIdFor(userId, 'birthday');
      await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();

      const report = await reconcile(reconcilerFor(setup), { fullSweep: false });
      expect(report).toMatchObject({ synced: 1, failed: 0 });
      const { runId } = await env.client.workflow.getHandle(workflowId).describe();
      expect((await setup.db.user.findUniqueOrThrow({ where: { id: userId } })).workflowSyncRequestedAt).toBeNull();

      // Passes after that find nothing to do and never start a second run.
      await eventually(
        async () => ((await runningRuns(workflowId)) === 1 ? true : undefined),
        'visibility to list the run',
      );
      await reconcile(reconcilerFor(setup), { fullSweep: true });
      expect((await reconcile(reconcilerFor(setup), { fullSweep: false })).synced).toBe(0);
      const description = await env.client.workflow.getHandle(workflowId).describe();
      expect(description.runId).toBe(runId);
      expect(description.status.name).toBe('RUNNING');
      expect((await setup.workflows.nextDelivery(userId, 'birthday'))!.timezone).toBe('Europe/Madrid');
    } finally {
      await deadApi.close();
      await deadTemporal.connection.close();
      await setup.close();
    }
  });

  test('a workflow whose user is gone is cancelled, and a live user whose workflow was terminated gets a new one', async () => {
    const setup = await setUp();
    try {
      await setup.startWorker();
      const orphan = (await call(setup.api.url, 'POST', '/users', personWithBirthdayIn(20, Date.now(), 'Asia/Tokyo')))
        .body;
      const victim = (await call(setup.api.url, 'POST', '/users', personWithBirthdayIn(20, Date.now(), 'Asia/Tokyo')))
        .body;
      // The orphan's run started while its user was live: it waits in its start delay, rather than ending at once.
      await untilRunsStarted(setup.db, orphan.id);
      await untilRunsStarted(setup.db, victim.id);
      // Deleted behind the API's back (no flag), and a workflow terminated by hand: only the full sweep can see them.
      await setup.db.user.update({ where: { id: orphan.id }, data: { deletedAt: new Date(), liveEmail: null } });
      await env.client.workflow.getHandle(workflowIdFor(victim.id, 'birthday')).terminate('operator mistake');
      await eventually(
        async () => ((await runningRuns(workflowIdFor(victim.id, 'birthday'))) === 0 ? true : undefined),
        'visibility to show the terminated run',
      );
      await eventually(
        async () => ((await runningRuns(workflowIdFor(orphan.id, 'birthday'))) === 1 ? true : undefined),
        'visibility to list the orphan',
      );

      const quick = await reconcile(reconcilerFor(setup), { fullSweep: false });
      expect(quick).toMatchObject({ synced: 0, cancelled: 0, started: 0 });
      const full = await reconcile(reconcilerFor(setup), { fullSweep: true });

      expect(full).toMatchObject({ cancelled: 1, started: 1, failed: 0 });
      const orphanRun = env.client.workflow.getHandle(workflowIdFor(orphan.id, 'birthday'));
      await expect(orphanRun.result()).rejects.toThrow();
      expect((await orphanRun.describe()).status.name).toBe('CANCELLED');
      expect((await env.client.workflow.getHandle(workflowIdFor(victim.id, 'birthday')).describe()).status.name).toBe(
        'RUNNING',
      );
    } finally {
      await setup.close();
    }
  });
});
