import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb, type Db } from '../../src/db/client';
import { insertUser, markWorkflowSynced } from '../../src/db/users';
import { workflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import {
  createTestWorker,
  isolatedTestDatabaseUrl,
  startDevServer,
  TEST_WEBHOOK_SECRET,
  uniqueTaskQueue,
} from '../support/environment';
import { backdateUser, deliveriesOf, localDate } from '../support/fixtures';
import { dueSoon, eventually, sleep } from '../support/real-time';
import { runbookSql } from '../support/runbook-blocks';
import { runNpmScript } from '../support/run-process';
import { call, startApi } from '../support/service';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';
import { startWorkerProcess, waitUntilPolling } from '../support/worker-process';

// Disaster recovery, Temporal's side: the store holding every workflow is lost (a dev server's data wiped, a new
// cluster). Two real dev servers play the old store and the new, empty one; Postgres (the truth) is kept. The worker's
// sweep or `npm run reconcile` must recreate every live user's workflow from Postgres, and the ledger decides what
// is sent: a delivered year never again, a year due during the outage late within MAX_DELIVERY_LATENESS, an older one
// recorded as missed.

interface Service {
  databaseUrl: string;
  db: Db;
  taskQueue: string;
  receiver: TestReceiver;
  close(): Promise<void>;
}

async function service(label: string): Promise<Service> {
  const databaseUrl = await isolatedTestDatabaseUrl(label);
  const db = createDb(databaseUrl);
  const receiver = await startTestReceiver();
  return {
    databaseUrl,
    db,
    taskQueue: uniqueTaskQueue(label),
    receiver,
    async close() {
      await receiver.close();
      await db.$disconnect();
    },
  };
}

type Due = ReturnType<typeof dueSoon>;

/**
 * Creates users through the API on the old server while its worker runs (DELIVERY_TIME `secondsAhead` from the
 * moment it is up), then loses that server entirely.
 */
async function onOldServer(
  setup: Service,
  secondsAhead: number,
  work: (api: { url: string }, workflows: GreetingWorkflows, due: Due) => Promise<void>,
): Promise<Due> {
  const old = await startDevServer();
  const due = dueSoon(secondsAhead);
  const { deliveryTime } = due;
  try {
    const worker = await createTestWorker(old, {
      db: setup.db,
      taskQueue: setup.taskQueue,
      webhookUrl: setup.receiver.url,
      deliveryTime,
    });
    const api = await startApi(old, { db: setup.db, taskQueue: setup.taskQueue, worker: { deliveryTime } });
    try {
      await worker.runUntil(() =>
        work(api, new GreetingWorkflows(old.client, { taskQueue: setup.taskQueue, callTimeoutMs: 10_000 }), due),
      );
    } finally {
      await api.close();
    }
  } finally {
    await old.teardown();
  }
  return due;
}

function plannedAfter(workflows: GreetingWorkflows, userId: string, year: number) {
  return eventually(
    async () => {
      const next = await workflows.nextDelivery(userId, 'birthday').catch(() => null);
      return next && next.year > year ? next : undefined;
    },
    `user ${userId}'s workflow on the new server to plan the year after ${year}`,
    60_000,
  );
}

let fresh: TestWorkflowEnvironment | undefined;

afterEach(async () => {
  await fresh?.teardown();
  fresh = undefined;
});

test('a year delivered before the loss: the worker process sweep recreates the workflow, which plans next year and sends nothing again', async () => {
  const setup = await service('store_lost_sweep');
  try {
    let userId = '';
    const due = await onOldServer(setup, 8, async (api, workflows, { person }) => {
      userId = (await call(api.url, 'POST', '/users', person)).body.id;
      await setup.receiver.waitForRequests(1, 60_000);
      const year = (await eventually(async () => (await deliveriesOf(setup.db, userId))[0], 'the ledger row'))
        .occurrenceYear;
      await plannedAfter(workflows, userId, year);
    });
    const [delivered] = await eventually(async () => {
      const rows = await deliveriesOf(setup.db, userId);
      return rows[0]?.status === 'delivered' ? rows : undefined;
    }, 'the delivery to be recorded');

    // The store is gone: a new, empty dev server. The worker process's first reconciler pass is a full sweep.
    fresh = await startDevServer();
    const worker = await startWorkerProcess({
      DELIVERY_TIME: due.deliveryTime,
      DATABASE_URL: setup.databaseUrl,
      TEMPORAL_ADDRESS: fresh.address,
      TEMPORAL_TASK_QUEUE: setup.taskQueue,
      WEBHOOK_URL: setup.receiver.url,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    });
    try {
      await waitUntilPolling(fresh.client, setup.taskQueue, worker);
      const workflows = new GreetingWorkflows(fresh.client, { taskQueue: setup.taskQueue, callTimeoutMs: 10_000 });
      const next = await plannedAfter(workflows, userId, delivered!.occurrenceYear);
      expect(next.year).toBe(delivered!.occurrenceYear + 1);
      // The restored run answers its plan from its start at once; the worker's log line may land a moment later.
      await eventually(
        () =>
          Promise.resolve(
            /reconciler started the workflow of a user event that had none/.test(worker.output()) ? true : undefined,
          ),
        "the worker's log of the restored run",
      );

      // `npm run reconcile` afterwards finds nothing to do: the recreated workflow is there.
      const again = await reconcileNow(setup, fresh.address, due.deliveryTime);
      expect(again).toMatchObject({ started: 0, failed: 0 });
      // Give a wrongful second delivery time to happen: the receiver and the ledger still hold one.
      await sleep(2_000);
      expect(setup.receiver.requests).toHaveLength(1);
      expect(await deliveriesOf(setup.db, userId)).toEqual([
        expect.objectContaining({ id: delivered!.id, status: 'delivered' }),
        expect.objectContaining({ occurrenceYear: delivered!.occurrenceYear + 1, status: 'scheduled' }),
      ]);
    } finally {
      await worker.stop();
    }
  } finally {
    await setup.close();
  }
});

test('due during the outage: npm run reconcile recreates the workflows; within the lateness sent late once, older recorded as missed', async () => {
  const setup = await service('store_lost_reconcile');
  try {
    let lateId = '';
    let lateDueMs = 0;
    const due = await onOldServer(setup, 8, async (api, workflows, { person }) => {
      const created = (await call(api.url, 'POST', '/users', person)).body;
      lateId = created.id;
      // The plan the 201 carries (the run starts right after the answer).
      lateDueMs = created.nextDelivery.epochMs;
    });
    // Its birthday was two days ago and it has existed for longer: its workflow was asleep in the lost store while
    // the outage outlasted MAX_DELIVERY_LATENESS (24 h), which a test cannot wait for in real time.
    const nowMs = Date.now();
    const twoDaysAgo = localDate(nowMs - 2 * 86_400_000, due.person.timezone);
    const longAgo = new Date(nowMs - 3 * 86_400_000);
    const missed = await insertUser(
      setup.db,
      { ...due.person, firstName: 'Grace', birthday: `1990-${twoDaysAgo.slice(5)}` },
      longAgo,
    );
    await markWorkflowSynced(setup.db, missed.id, longAgo);
    await backdateUser(setup.db, missed.id, longAgo);

    // The outage lasts past the due moment; then a new, empty store.
    await sleep(lateDueMs + 3_000 - Date.now());
    expect(setup.receiver.requests).toHaveLength(0);
    fresh = await startDevServer();
    const report = await reconcileNow(setup, fresh.address, due.deliveryTime);
    expect(report).toMatchObject({ started: 2, failed: 0 });

    const worker = await createTestWorker(fresh, {
      db: setup.db,
      taskQueue: setup.taskQueue,
      webhookUrl: setup.receiver.url,
      deliveryTime: due.deliveryTime,
    });
    await worker.runUntil(async () => {
      const [late] = await eventually(async () => {
        const rows = await deliveriesOf(setup.db, lateId);
        return rows[0]?.status === 'delivered' ? rows : undefined;
      }, 'the late delivery to be recorded');
      expect(late!.latenessMs).toBeGreaterThanOrEqual(3_000);
      expect(late!.scheduledAt.getTime()).toBe(lateDueMs);

      const [skippedYear] = await eventually(async () => {
        const rows = await deliveriesOf(setup.db, missed.id);
        return rows[0]?.status === 'missed' ? rows : undefined;
      }, 'the year beyond the lateness limit to be recorded as missed');
      expect(skippedYear).toMatchObject({ attempts: 0, occurrenceDate: new Date(`${twoDaysAgo}T00:00:00Z`) });
      expect(skippedYear!.lastError).toMatch(/no run was there at the due moment; \d+ h late, over the limit of 24 h$/);

      const workflows = new GreetingWorkflows(fresh!.client, { taskQueue: setup.taskQueue, callTimeoutMs: 10_000 });
      await plannedAfter(workflows, lateId, late!.occurrenceYear);
      await plannedAfter(workflows, missed.id, skippedYear!.occurrenceYear);
      await sleep(2_000);
    });
    expect(setup.receiver.requests.map((request) => request.body.userId)).toEqual([lateId]);
    // The runbook's checks: as many running workflows as live users, and what the outage cost.
    const [live] = await runbookQuery<{ live_users: bigint }>(setup, 'live-users');
    const running = `WorkflowType='yearlyGreetingWorkflow' AND ExecutionStatus='Running' AND TaskQueue='${setup.taskQueue}'`;
    expect((await fresh.client.workflow.count(running)).count).toBe(Number(live!.live_users));
    const recent = await runbookQuery<{ status: string; deliveries: bigint; max_lateness_ms: bigint }>(
      setup,
      'recent-deliveries',
    );
    expect(recent.map(({ status, deliveries }) => [status, Number(deliveries)])).toEqual([
      ['delivered', 1],
      ['missed', 1],
    ]);
    // Each year once; next year armed beside it.
    for (const userId of [lateId, missed.id]) {
      const rows = await deliveriesOf(setup.db, userId);
      expect(rows.map((row) => row.status)).toEqual([expect.stringMatching(/^(delivered|missed)$/), 'scheduled']);
    }
    expect(await fresh.client.workflow.getHandle(workflowIdFor(missed.id, 'birthday')).describe()).toMatchObject({
      status: { name: 'RUNNING' },
    });
  } finally {
    await setup.close();
  }
});

const runbook = readFileSync(path.resolve(__dirname, '../../docs/operations.md'), 'utf8');

/** A `sql` block of the runbook's procedure, run against the service's database as an operator would. */
function runbookQuery<T>(setup: Service, name: string): Promise<T[]> {
  return setup.db.$queryRawUnsafe<T[]>(runbookSql(runbook, name));
}

/** `npm run reconcile` as an operator runs it against the new store; answers the report it printed last. */
async function reconcileNow(setup: Service, address: string, deliveryTime: string): Promise<Record<string, unknown>> {
  const result = await runNpmScript('reconcile', [], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: setup.databaseUrl,
      TEMPORAL_TASK_QUEUE: setup.taskQueue,
      DELIVERY_TIME: deliveryTime,
    },
  });
  if (result.code !== 0) throw new Error(`npm run reconcile exited with ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}
