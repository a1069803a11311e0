import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { handOverDelayMs } from '../../src/greetings/hand-over';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { scheduleStateQuery } from '../../src/workflows/definitions';
import { createTestWorker, startGreetingWorkflow, uniqueTaskQueue } from '../support/environment';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { startTestReceiver } from '../support/test-receiver';
import { useTimeSkippingServer } from '../support/time-skipping-server';

const { EventType } = temporal.api.enums.v1;
const HAND_OVER_WINDOW_MS = 3 * 3_600_000;

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

test('the due timer opens one workflow task that delivers, plans next year and sleeps on; the hand-over comes later, inside HAND_OVER_WINDOW', async () => {
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
  const handOverAfterMs = handOverDelayMs(`${user.id}/birthday`, HAND_OVER_WINDOW_MS);

  try {
    await worker.runUntil(async () => {
      const handle = await startGreetingWorkflow(env, taskQueue, user);
      const { runId: deliveringRunId } = await handle.describe();
      await env.sleep(due.epochMs - (await env.currentTimeMs()) + 1_000);
      await receiver.waitForRequests(1);

      // Delivered, and the same run already shows next year's plan.
      const state = await handle.query(scheduleStateQuery);
      expect(state.next?.year).toBe(due.year + 1);
      expect((await handle.describe()).runId).toBe(deliveringRunId);

      // From the due timer firing to the next sleep: one workflow task, no activity task.
      const { events } = await handle.fetchHistory();
      const fired = events!.findIndex((event) => event.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
      const nextSleep = events!.findIndex(
        (event, index) => index > fired && event.eventType === EventType.EVENT_TYPE_TIMER_STARTED,
      );
      expect(fired).toBeGreaterThan(0);
      expect(nextSleep).toBeGreaterThan(fired);
      const rush = events!.slice(fired, nextSleep).map((event) => EventType[event.eventType!]);
      expect(rush.filter((type) => type === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_ACTIVITY_TASK'))).toEqual([]);
      expect(rush.filter((type) => type === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(2); // delivery + next plan
      // The retry window's timer was started and cancelled inside the task: the server never saw it.
      expect(rush.filter((type) => type.startsWith('EVENT_TYPE_TIMER_'))).toEqual(['EVENT_TYPE_TIMER_FIRED']);

      // Still the same run a minute before its hand-over moment; the next run after it, with next year planned.
      await env.sleep(handOverAfterMs - 60_000);
      expect((await handle.describe()).runId).toBe(deliveringRunId);
      await env.sleep(120_000);
      const nextRun = await handle.describe();
      expect(nextRun.runId).not.toBe(deliveringRunId);
      expect((await env.client.workflow.getHandle(handle.workflowId, deliveringRunId).describe()).status.name).toBe(
        'CONTINUED_AS_NEW',
      );
      expect((await handle.query(scheduleStateQuery)).next?.year).toBe(due.year + 1);
      await handle.cancel();
    });
  } finally {
    await receiver.close();
  }
  expect(receiver.requests).toHaveLength(1);
  expect((await deliveriesOf(db, user.id)).map((row) => [row.occurrenceYear, row.status])).toEqual([
    [due.year, 'delivered'],
  ]);
});
