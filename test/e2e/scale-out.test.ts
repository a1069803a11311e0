import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb } from '../../src/db/client';
import { dispatchWorkflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { useDevServer } from '../support/dev-server';
import { isolatedTestDatabaseUrl, uniqueTaskQueue, TEST_WEBHOOK_SECRET } from '../support/environment';
import { localDate } from '../support/fixtures';
import { dueSoon, eventually } from '../support/real-time';
import { call, letterName, startApi } from '../support/service';
import { gate, startTestReceiver, type ReceivedRequest } from '../support/test-receiver';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from '../support/worker-process';

// Two real worker processes (`npm run worker`) on one task queue of the real dev server; one dies by SIGKILL while
// it is in the middle of deliveries.
let env: TestWorkflowEnvironment;
useDevServer((setup) => ({ env } = setup));

jest.setTimeout(420_000);

const USERS = 8;
/** Each worker runs this many activities at once: the instant's DISPATCH_PASSES passes fill both workers' slots. */
const ACTIVITY_SLOTS = 2;
/** Rows a dispatch pass claims at once: the burst of USERS is spread over every pass, on both workers. */
const PAGE_SIZE = 2;

test('SIGKILL of one of two workers mid-burst: every greeting is delivered, one ledger row each, no stray repeats', async () => {
  const taskQueue = uniqueTaskQueue('scale-out');
  const databaseUrl = await isolatedTestDatabaseUrl('scale_out');
  const db = createDb(databaseUrl);
  // Every answer waits until the kill, so the deliveries the doomed worker has started are still in flight then.
  const hold = gate();
  const receiver = await startTestReceiver({ holdFor: () => hold.opened });
  // Each worker posts to a path of its own: the receiver knows who sent what.
  // The workers own DELIVERY_TIME: chosen before they start, far enough ahead for their start-up.
  const { person, deliveryTime } = dueSoon(30);
  const startWorker = (name: string) =>
    startWorkerProcess({
      DELIVERY_TIME: deliveryTime,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WEBHOOK_URL: `${receiver.url}/${name}`,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOK_TIMEOUT_MS: '10000',
      WORKER_MAX_CONCURRENT_ACTIVITIES: String(ACTIVITY_SLOTS),
      DISPATCH_PASSES: String(2 * ACTIVITY_SLOTS),
      DISPATCH_PAGE_SIZE: String(PAGE_SIZE),
      // The users' runs confirm within 20 s of the instant (and the dispatcher retries that long).
      HAND_OVER_WINDOW: '20s',
    });
  const survivor = await startWorker('survivor');
  const doomed = await startWorker('doomed');
  const sentBy = (worker: string) => (request: ReceivedRequest) => request.path.endsWith(`/${worker}`);
  const keyOf = (request: ReceivedRequest) => String(request.headers['idempotency-key']);
  const processes: WorkerProcess[] = [survivor, doomed];
  try {
    await Promise.all(processes.map((worker) => waitUntilPolling(env.client, taskQueue, worker)));

    const api = await startApi(env, {
      db,
      taskQueue,
      worker: { deliveryTime, handOverWindowMs: 20_000, dispatchPasses: 2 * ACTIVITY_SLOTS },
    });
    const users: Array<{ id: string }> = [];
    try {
      for (let index = 0; index < USERS; index += 1) {
        const created = await call(api.url, 'POST', '/users', { ...person, firstName: letterName('Guest', index) });
        expect(created.status).toBe(201);
        users.push(created.body);
      }
    } finally {
      await api.close();
    }

    // The instant's passes fill both workers' slots, each with a page of held deliveries.
    // Every row of the burst is out: each worker holds two pages (its two slots full), none answered yet.
    await receiver.waitForRequests(USERS, 90_000);
    const inFlightOnDoomed = receiver.requests.filter(sentBy('doomed')).map(keyOf);
    expect(inFlightOnDoomed.length).toBeGreaterThan(0);
    expect(receiver.requests.filter(sentBy('survivor')).length).toBeGreaterThan(0);

    doomed.kill('SIGKILL');
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    hold.release();

    // Done when every workflow has delivered and moved on to next year: no attempt for this year is left anywhere.
    const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
    // Born today in their zone (asking a workflow now could wait on the killed worker's sticky queue).
    const thisYear = Number(localDate(Date.now(), person.timezone).slice(0, 4));
    await eventually(
      async () => {
        const plans = await Promise.all(
          users.map((user) => workflows.nextDelivery(user.id, 'birthday').catch(() => null)),
        );
        return plans.every((plan) => plan !== null && plan.year > thisYear) ? true : undefined;
      },
      'every workflow to deliver and plan next year',
      // Below the delivery activity's 2-minute start-to-close timeout: only heartbeats get the killed attempts back so soon.
      100_000,
    );

    const rows = await db.delivery.findMany({
      where: { userId: { in: users.map((user) => user.id) }, occurrenceYear: thisYear },
    });
    expect(rows).toHaveLength(USERS);
    for (const user of users) {
      expect(rows.filter((row) => row.userId === user.id).map((row) => row.status)).toEqual(['delivered']);
    }

    // The receiver's view: every occurrence arrived; the survivor sent each key once; the only repeats are the
    // deliveries the killed worker had in flight, re-sent by the survivor with the same Idempotency-Key.
    const keys = rows.map((row) => row.idempotencyKey);
    expect(new Set(receiver.requests.map(keyOf))).toEqual(new Set(keys));
    expect(receiver.requests.filter(sentBy('doomed')).map(keyOf)).toEqual(inFlightOnDoomed);
    for (const key of keys) {
      const fromSurvivor = receiver.requests.filter((request) => sentBy('survivor')(request) && keyOf(request) === key);
      expect({ key, postsFromSurvivor: fromSurvivor.length }).toEqual({ key, postsFromSurvivor: 1 });
    }
    for (const row of rows) {
      const wasInFlightOnDoomed = inFlightOnDoomed.includes(row.idempotencyKey);
      expect({ key: row.idempotencyKey, attempts: row.attempts }).toEqual({
        key: row.idempotencyKey,
        attempts: wasInFlightOnDoomed ? 2 : 1,
      });
    }

    // The killed worker's passes came back when their heartbeats stopped: once the instant's dispatcher is done, its
    // history shows a pass attempted again (the rows it had claimed went to whichever claim came after their lease).
    const dueAt = rows[0]!.scheduledAt.toISOString();
    const dispatch = env.client.workflow.getHandle(dispatchWorkflowIdFor(dueAt));
    await dispatch.result();
    const { events } = await dispatch.fetchHistory();
    const attempts = events!.map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  } finally {
    hold.release();
    for (const worker of processes) await worker.stop();
    await receiver.close();
    await db.$disconnect();
  }
});
