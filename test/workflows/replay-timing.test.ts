import { WebhookSigner } from '../../src/activities/webhook-signature';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createDeliveryActivities, createPlanningActivities, type PlanDeliveryInput } from '../../src/activities';
import type { Db } from '../../src/db/client';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { changeScheduleUpdate, nextDeliveryQuery } from '../../src/workflows/definitions';
import { startGreetingWorkflow, uniqueTaskQueue, TEST_WEBHOOK_SECRET } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { eventually, sleep } from '../support/real-time';
import { silentLog } from '../support/silent-log';
import { useDevServer } from '../support/dev-server';

// A history must replay against the code that made it whatever the timing was. These runs force the timings where
// the plan's local activity and the workflow task it started in part ways, then replay what the server recorded.

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;
const CURRENT_CODE = { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } };
/** Short, so a plan of a few seconds outlives its workflow task and core heartbeats it (at 80%). */
const WORKFLOW_TASK_TIMEOUT = '2 seconds';

let env: TestWorkflowEnvironment;
let db: Db;

useDevServer((started) => ({ env, db } = started));

/** A worker whose planning activity takes `delayMs(call)` (the call's index from 0) before the real plan. */
function workerWithSlowPlan(taskQueue: string, delayMs: (call: number) => number) {
  const planning = createPlanningActivities({ db, deliveryTime: '09:00', maxLatenessMs: null });
  let calls = 0;
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: CURRENT_CODE.workflowBundle,
    activities: {
      ...createDeliveryActivities({
        db,
        webhookUrl: 'http://127.0.0.1:9/never-called',
        webhookSigner: new WebhookSigner([TEST_WEBHOOK_SECRET]),
        webhookTimeoutMs: 1_000,
        maxLatenessMs: null,
        log: silentLog,
        metrics: createDeliveryMetrics(new Registry()),
      }),
      async planDelivery(input: PlanDeliveryInput) {
        await sleep(delayMs(calls++));
        return planning.planDelivery(input);
      },
    },
  });
}

async function startSleepingUser(taskQueue: string) {
  const user = await createUserRow(db, personWithBirthdayIn(30, Date.now(), 'Asia/Kolkata'));
  return startGreetingWorkflow(env, taskQueue, user, { workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT });
}

type Handle = Awaited<ReturnType<typeof startSleepingUser>>;

/** Waits until the run has planned and is asleep on its timer, then returns its history. */
async function historyOnceAsleep(handle: Handle): Promise<History> {
  return eventually(async () => {
    const history = await handle.fetchHistory();
    const asleep = history.events?.some((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    return asleep ? history : undefined;
  }, `${handle.workflowId} to plan and sleep`);
}

const workflowTasksCompleted = (history: History) =>
  (history.events ?? []).filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;

async function expectReplays(history: History, workflowId: string): Promise<void> {
  await Worker.runReplayHistory(CURRENT_CODE, history, workflowId);
}

test('a plan slower than a workflow task: core heartbeats the task, and the history replays', async () => {
  const taskQueue = uniqueTaskQueue('slow-plan');
  const worker = await workerWithSlowPlan(taskQueue, () => 3_000);
  const { history, workflowId } = await worker.runUntil(async () => {
    const handle = await startSleepingUser(taskQueue);
    return { history: await historyOnceAsleep(handle), workflowId: handle.workflowId };
  });
  // Heartbeats: the plan's result came in a later workflow task than the one that asked for it.
  expect(workflowTasksCompleted(history)).toBeGreaterThan(1);
  await expectReplays(history, workflowId);
});

test.each([
  ['the first plan slow, the change planned at once', [3_000, 0]],
  ['the change planned slowly, after the first plan', [300, 3_000]],
  ['both slow, across heartbeats', [2_500, 2_500]],
])('an Update arriving while the plan runs (%s): the history replays', async (_name, delays) => {
  const taskQueue = uniqueTaskQueue('update-mid-plan');
  const worker = await workerWithSlowPlan(taskQueue, (call) => delays[call] ?? 0);
  const { history, workflowId } = await worker.runUntil(async () => {
    const handle = await startSleepingUser(taskQueue);
    await sleep(200);
    // As the API does: the change is saved, then the workflow is asked to plan from the row.
    const changed = { date: '1990-07-14', timezone: 'Europe/Paris' };
    await db.user.update({
      where: { id: handle.workflowId.replace(/^birthday-/, '') },
      data: { birthday: new Date(changed.date), timezone: changed.timezone },
    });
    const answer = await handle.executeUpdate(changeScheduleUpdate, { args: [changed] });
    expect(answer).toMatchObject({ timezone: 'Europe/Paris', localDate: expect.stringMatching(/-07-14$/) });
    return { history: await historyOnceAsleep(handle), workflowId: handle.workflowId };
  });
  await expectReplays(history, workflowId);
});

test('a worker stopped mid-plan and another one taking over: the history replays', async () => {
  const taskQueue = uniqueTaskQueue('restart-mid-plan');
  const first = await workerWithSlowPlan(taskQueue, () => 2_500);
  const handle = await first.runUntil(async () => {
    const started = await startSleepingUser(taskQueue);
    await sleep(500);
    return started;
  });
  const second = await workerWithSlowPlan(taskQueue, () => 0);
  const history = await second.runUntil(async () => {
    expect(await handle.query(nextDeliveryQuery)).not.toBeNull();
    return historyOnceAsleep(handle);
  });
  await expectReplays(history, handle.workflowId);
});

/**
 * The same run as if the workflow task had been closed (by a heartbeat or a query's answer) just after the plan's
 * result arrived and before the workflow saw it: the local activity's marker moves to the end of the task before.
 * Core writes such histories; which one a run gets depends on timing alone.
 */
function withPlanMarkerOneTaskEarlier(history: History): History {
  const { History } = temporal.api.history.v1;
  const events = History.toObject(History.create(history as never), { longs: Number, bytes: String }).events as Array<
    Record<string, unknown> & { eventId: number; eventType: temporal.api.enums.v1.EventType }
  >;
  const isPlanMarker = (event: Record<string, unknown>) =>
    (event.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_local_activity';
  const markerAt = events.findIndex(isPlanMarker);
  const tasksBefore = events
    .slice(0, markerAt)
    .flatMap((event, index) => (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? [index] : []));
  const previousTaskAt = tasksBefore.at(-2);
  if (markerAt < 0 || previousTaskAt === undefined) throw new Error('no plan marker after a second workflow task');
  const [marker] = events.splice(markerAt, 1);
  (marker!.markerRecordedEventAttributes as { workflowTaskCompletedEventId: number }).workflowTaskCompletedEventId =
    events[previousTaskAt]!.eventId;
  events.splice(previousTaskAt + 1, 0, marker!);
  // Renumber, and point every reference to an event (`...EventId`) at its new number.
  const newId = new Map(events.map((event, index) => [event.eventId, index + 1]));
  const renumber = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(renumber);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        /(^e|E)ventId$/.test(key) && typeof field === 'number' ? (newId.get(field) ?? field) : renumber(field),
      ]),
    );
  };
  return History.fromObject({ events: renumber(events) });
}

test("the plan's result seen one workflow task after its marker: the history replays", async () => {
  const taskQueue = uniqueTaskQueue('plan-marker-early');
  const worker = await workerWithSlowPlan(taskQueue, () => 3_000);
  const { history, workflowId } = await worker.runUntil(async () => {
    const handle = await startSleepingUser(taskQueue);
    return { history: await historyOnceAsleep(handle), workflowId: handle.workflowId };
  });
  await expectReplays(withPlanMarkerOneTaskEarlier(history), workflowId);
});
