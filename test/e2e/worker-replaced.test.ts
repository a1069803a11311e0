import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { refreshScheduleSignal } from '../../src/workflows/definitions';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { backdateUser, createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { dueSoon, eventually, sleep } from '../support/real-time';
import { startTestReceiver } from '../support/test-receiver';
import { useDevServer } from '../support/dev-server';

// Real time on the real dev server, where a workflow moves to a new worker as it would in a deployment: what
// decides the plan is read from the worker that plans, and a reset run plans afresh from Postgres.
let env: TestWorkflowEnvironment;
let db: Db;

useDevServer((started) => ({ env, db } = started));

const NEVER_CALLED = 'http://127.0.0.1:9/never-called';

function workflowsOn(taskQueue: string): GreetingWorkflows {
  return new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
}

/** A user whose birthday is 40 days away in Kolkata, asleep. */
async function sleepingUser(taskQueue: string) {
  const user = await createUserRow(db, personWithBirthdayIn(40, Date.now(), 'Asia/Kolkata'));
  await workflowsOn(taskQueue).start(user, 'birthday');
  await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday');
  return user;
}

test('DELIVERY_TIME belongs to the worker: a new setting reaches a sleeping workflow on refreshSchedule', async () => {
  const taskQueue = uniqueTaskQueue('delivery-time');
  const before = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED, deliveryTime: '09:00' });
  const user = await before.runUntil(async () => {
    const sleeping = await sleepingUser(taskQueue);
    expect((await workflowsOn(taskQueue).nextDelivery(sleeping.id, 'birthday'))?.localDateTime).toMatch(
      /T09:00:00\.000\+05:30$/,
    );
    return sleeping;
  });

  const after = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED, deliveryTime: '10:30' });
  await after.runUntil(async () => {
    // An operator's nudge after the change: `temporal workflow signal --name refreshSchedule`.
    await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).signal(refreshScheduleSignal);
    const replanned = await eventually(
      async () => {
        const next = await workflowsOn(taskQueue)
          .nextDelivery(user.id, 'birthday')
          .catch(() => null);
        return next?.localDateTime.includes('T10:30') ? next : undefined;
      },
      'the plan at the new delivery time',
      60_000,
    );
    expect(replanned.localDateTime).toMatch(/T10:30:00\.000\+05:30$/);
  });
});

// Sent late, within MAX_DELIVERY_LATENESS, with its lateness on the wall clock.
test('a run reset to its first workflow task after the due moment passed with no worker: sent late, once', async () => {
  const taskQueue = uniqueTaskQueue('reset-after-due');
  const receiver = await startTestReceiver();
  const { person, deliveryTime } = dueSoon(5);
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
  try {
    const user = await createUserRow(db, person);
    await backdateUser(db, user.id, new Date(Date.now() - 3_600_000));
    const first = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url, deliveryTime });
    const { dueMs, runId } = await first.runUntil(async () => {
      await workflows.start(user, 'birthday');
      const next = await workflows.nextDelivery(user.id, 'birthday');
      return {
        dueMs: next!.epochMs,
        runId: (await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).describe()).runId,
      };
    });
    // No worker while the due moment passes.
    await sleep(dueMs - Date.now() + 2_000);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'), runId);
    const firstTaskCompleted = (await handle.fetchHistory()).events!.find(
      (event) => event.workflowTaskCompletedEventAttributes,
    )!;
    await env.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId, runId },
      reason: 'reset to the first workflow task',
      workflowTaskFinishEventId: firstTaskCompleted.eventId,
      requestId: `reset-${runId}`,
    });

    const second = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url, deliveryTime });
    await second.runUntil(async () => {
      await receiver.waitForRequests(1, 30_000);
      const [row] = await eventually(async () => {
        const rows = await deliveriesOf(db, user.id);
        return rows[0]?.status === 'delivered' ? rows : undefined;
      }, 'the late delivery to be recorded');
      expect(row!.scheduledAt.getTime()).toBe(dueMs);
      expect(Number(row!.latenessMs)).toBeGreaterThanOrEqual(2_000);
      expect(row!.runId).not.toBe(runId);
      await sleep(2_000);
      expect(receiver.requests).toHaveLength(1);
    });
  } finally {
    await receiver.close();
  }
});
