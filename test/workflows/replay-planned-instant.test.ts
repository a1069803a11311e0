import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { createTestWorker, uniqueTaskQueue, startGreetingWorkflow } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { nextDueMs } from '../support/stack';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({}, (started) => ({ env, db } = started));

const EventType = temporal.api.enums.v1.EventType;

/** The history of a user's first run, up to its sleeping timer. */
async function historyOfASleepingRun() {
  const taskQueue = uniqueTaskQueue('replay');
  const user = await createUserRow(db, personWithBirthdayIn(40, await env.currentTimeMs(), 'Europe/Lisbon'));
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  const workflowId = workflowIdFor(user.id, 'birthday');
  return worker.runUntil(async () => {
    const handle = await startGreetingWorkflow(env, taskQueue, user);
    await nextDueMs(env, user.id);
    const history = await handle.fetchHistory();
    await handle.terminate('test done');
    return { history, workflowId };
  });
}

/** Rewrites the plan recorded by the planning local activity, as if older time-zone rules had computed it. */
function withPlanShiftedBy(history: temporal.api.history.v1.IHistory, shiftMs: number) {
  const copy = temporal.api.history.v1.History.fromObject(
    temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History),
  );
  const marker = copy.events.find((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  const payload = marker?.markerRecordedEventAttributes?.details?.['result']?.payloads?.[0];
  if (!payload?.data) throw new Error('no planning marker in the history');
  const plan = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  const shifted = { ...plan, epochMs: plan.epochMs + shiftMs, instant: new Date(plan.epochMs + shiftMs).toISOString() };
  payload.data = Buffer.from(JSON.stringify(shifted));
  return { history: copy, original: plan, shifted };
}

test('a replay takes the due instant from the recorded plan, so new time-zone rules cannot break a running workflow', async () => {
  const { history, workflowId } = await historyOfASleepingRun();
  const timerStarted = history.events?.find((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
  expect(timerStarted).toBeDefined();

  // The history as it was: replays cleanly.
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } },
    history,
    workflowId,
  );

  // The same history, as if the plan had been made under rules one hour different from today's: still replays,
  // because the workflow never recomputes the instant itself.
  const { history: changed, original, shifted } = withPlanShiftedBy(history, 3_600_000);
  expect(shifted.epochMs).not.toBe(original.epochMs);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } },
    changed,
    workflowId,
  );
});
