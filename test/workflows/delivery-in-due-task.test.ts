import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { handOverDelayMs } from '../../src/greetings/hand-over';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { scheduleStateQuery } from '../../src/workflows/definitions';
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

      // From the wake-up to the hand-over: one workflow task, no activity task, no timer the server saw.
      const { events } = await yearRun.fetchHistory();
      const fired = events!.findIndex((event) => event.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
      const rush = events!.slice(fired).map((event) => EventType[event.eventType!]);
      expect(fired).toBeGreaterThan(0);
      expect(rush.filter((type) => type === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_ACTIVITY_TASK'))).toEqual([]);
      expect(rush.filter((type) => type === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(2); // delivery + next plan
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_TIMER_'))).toEqual(['EVENT_TYPE_TIMER_FIRED']);
      expect(rush.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
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
