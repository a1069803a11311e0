import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { handOverDelayMs } from '../../src/greetings/hand-over';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { nextDeliverySearchAttribute, scheduleStateQuery } from '../../src/workflows/definitions';
import { createTestWorker, startGreetingWorkflow, uniqueTaskQueue } from '../support/environment';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { startTestReceiver } from '../support/test-receiver';
import { useTimeSkippingServer } from '../support/time-skipping-server';

const { EventType } = temporal.api.enums.v1;
const HAND_OVER_WINDOW_MS = 3 * 3_600_000;

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

test('the run wakes at its own point of HAND_OVER_WINDOW after the due moment, delivers (no dispatcher here) in one workflow task, arms next year and hands over at once', async () => {
  const receiver = await startTestReceiver({ clock: () => env.currentTimeMs() });
  const fields = personWithBirthdayIn(2, await env.currentTimeMs(), 'Europe/Lisbon');
  const user = await createUserRow(db, fields);
  const taskQueue = uniqueTaskQueue('due-task');
  const worker = await createTestWorker(env, {
    db,
    taskQueue,
    webhookUrl: receiver.url,
    handOverWindowMs: HAND_OVER_WINDOW_MS,
  });
  const due = nextOccurrence({
    ...fields,
    date: fields.birthday,
    deliveryTime: '09:00',
    nowMs: await env.currentTimeMs(),
  });
  const wakeMs = due.epochMs + handOverDelayMs(`${user.id}/birthday`, HAND_OVER_WINDOW_MS);

  try {
    await worker.runUntil(async () => {
      const handle = await startGreetingWorkflow(env, taskQueue, user);
      const { runId: yearRunId } = await handle.describe();

      // A minute before its point: still asleep (the instant's dispatcher would have sent by now).
      await env.sleep(wakeMs - (await env.currentTimeMs()) - 60_000);
      expect(receiver.requests).toHaveLength(0);
      expect((await handle.describe()).runId).toBe(yearRunId);

      await env.sleep(120_000);
      await receiver.waitForRequests(1);
      const yearRun = env.client.workflow.getHandle(handle.workflowId, yearRunId);
      const closed = await eventually(async () => {
        const described = await yearRun.describe();
        return described.status.name === 'RUNNING' ? undefined : described;
      }, 'the year run to hand over');
      expect(closed.status.name).toBe('CONTINUED_AS_NEW');
      expect((await handle.query(scheduleStateQuery)).next?.year).toBe(due.year + 1);

      // From the wake-up to the hand-over: one workflow task, no activity task; the one timer started is the day of
      // retries', left to go with the run (cancelling it could land elsewhere in a replay: see own-retry-window).
      const { events } = await yearRun.fetchHistory();
      const fired = events!.findIndex((event) => event.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
      const rush = events!.slice(fired).map((event) => EventType[event.eventType!]);
      expect(fired).toBeGreaterThan(0);
      expect(rush.filter((type) => type === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_ACTIVITY_TASK'))).toEqual([]);
      expect(rush.filter((type) => type === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(2); // delivery + next plan
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_TIMER_'))).toEqual([
        'EVENT_TYPE_TIMER_FIRED',
        'EVENT_TYPE_TIMER_STARTED',
      ]);
      expect(rush.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');

      // Next year's run adopted the plan it was handed: it made none of its own (no local activity in its history),
      // and it keeps the search attribute the year's run set for that plan.
      const nextYear = await eventually(async () => {
        const described = await handle.describe();
        return described.runId === yearRunId ? undefined : described;
      }, "next year's run");
      const nextEvents = (await env.client.workflow.getHandle(handle.workflowId, nextYear.runId).fetchHistory())
        .events!;
      expect(nextEvents.some((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(true);
      const markerNames = nextEvents.map((event) => event.markerRecordedEventAttributes?.markerName).filter(Boolean);
      expect(markerNames).not.toContain('core_local_activity');
      const nextDue = nextOccurrence({
        ...fields,
        date: fields.birthday,
        deliveryTime: '09:00',
        nowMs: due.epochMs + 1,
        notBeforeYear: due.year + 1,
      });
      expect(nextYear.typedSearchAttributes.get(nextDeliverySearchAttribute)?.getTime()).toBe(nextDue.epochMs);
      await handle.cancel();
    });
  } finally {
    await receiver.close();
  }
  expect(receiver.requests).toHaveLength(1);
  expect((await deliveriesOf(db, user.id)).map((row) => [row.occurrenceYear, row.status])).toEqual([
    [due.year, 'delivered'],
    [due.year + 1, 'scheduled'],
  ]);
});

test('a receiver that never takes the greeting: a day of retries, then the year is recorded failed and next year planned', async () => {
  const receiver = await startTestReceiver({ clock: () => env.currentTimeMs(), statusFor: () => 503 });
  const fields = personWithBirthdayIn(1, await env.currentTimeMs(), 'Europe/Lisbon');
  const user = await createUserRow(db, fields);
  const taskQueue = uniqueTaskQueue('retry-day');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url });
  try {
    await worker.runUntil(async () => {
      const handle = await startGreetingWorkflow(env, taskQueue, user);
      const due = await eventually(async () => (await handle.query(scheduleStateQuery)).next ?? undefined, 'a plan');
      await env.sleep(due.epochMs - (await env.currentTimeMs()) + 1_000);
      await receiver.waitForRequests(1);
      // Past the day of retries (backoff doubling from 10 s to an hour): the run gives up on the year.
      await env.sleep('25 hours');
      const [row] = await eventually(async () => {
        const rows = await deliveriesOf(db, user.id);
        return rows[0]?.status === 'failed' ? rows : undefined;
      }, 'the year to be recorded failed');
      expect(row!.lastError).toContain('no success within a day of retries');
      expect(receiver.requests.length).toBeGreaterThan(20);
      expect((await handle.query(scheduleStateQuery)).next?.year).toBe(due.year + 1);
    });
  } finally {
    await receiver.close();
  }
});
