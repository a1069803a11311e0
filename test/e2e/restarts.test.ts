import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import type { User } from '../../src/db/users';
import { workflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { pauseSignal, resumeSignal, scheduleStateQuery } from '../../src/workflows/definitions';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { backdateUser, createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';
import { useTimeSkippingServer } from '../support/time-skipping-server';

// A run that starts after a due moment nobody delivered (terminated, reset, started by the reconciler) still sends it
// within MAX_DELIVERY_LATENESS (24 h in these workers), once; older unsettled rows are closed as missed.
let env: TestWorkflowEnvironment;
let db: Db;
let receiver: TestReceiver;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

beforeEach(async () => {
  receiver = await startTestReceiver({ clock: () => env.currentTimeMs() });
});
afterEach(async () => {
  await receiver.close();
});

const HOUR_MS = 3_600_000;

function workflowsOn(taskQueue: string): GreetingWorkflows {
  return new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
}

/** A user created two days ago (so they existed at the due moment), whose birthday is tomorrow, asleep. */
async function sleepingUser(taskQueue: string): Promise<{ user: User; dueMs: number }> {
  const nowMs = await env.currentTimeMs();
  const user = await createUserRow(db, personWithBirthdayIn(1, nowMs, 'Asia/Kolkata'));
  await backdateUser(db, user.id, new Date(nowMs - 48 * HOUR_MS));
  await workflowsOn(taskQueue).start(user, 'birthday');
  const next = await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday');
  return { user, dueMs: next!.epochMs };
}

const handleOf = (userId: string, runId?: string) =>
  env.client.workflow.getHandle(workflowIdFor(userId, 'birthday'), runId);

async function skipTo(ms: number): Promise<void> {
  await env.sleep(ms - (await env.currentTimeMs()));
}

test('terminated before its due moment and started again an hour after it: the year is sent late, once', async () => {
  const taskQueue = uniqueTaskQueue('terminated');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url });
  await worker.runUntil(async () => {
    const { user, dueMs } = await sleepingUser(taskQueue);
    await handleOf(user.id).terminate('an operator mistake');
    await skipTo(dueMs + HOUR_MS);
    expect(receiver.requests).toHaveLength(0);

    // What the reconciler's sweep does for a live user without a running workflow.
    await workflowsOn(taskQueue).start(user, 'birthday');
    await receiver.waitForRequests(1);
    const [row] = await eventually(async () => {
      const rows = await deliveriesOf(db, user.id);
      return rows[0]?.status === 'delivered' ? rows : undefined;
    }, 'the late delivery to be recorded');
    // Sent after the restart, for the due moment it missed (lateness itself is measured on the wall clock, which
    // this server's skipped time runs ahead of: see reset-after-due.test.ts for it on the real clock).
    expect(receiver.requests[0]!.receivedAtMs).toBeGreaterThanOrEqual(dueMs + HOUR_MS);
    expect(row!.scheduledAt.getTime()).toBe(dueMs);

    await env.sleep('2 days');
    expect(receiver.requests).toHaveLength(1);
    expect((await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday'))?.year).toBe(row!.occurrenceYear + 1);
  });
});

test('an unsettled row older than the lateness limit is closed as missed by the next plan; nothing is sent', async () => {
  const taskQueue = uniqueTaskQueue('stale-row');
  const unavailable = await startTestReceiver({ statusFor: () => 503 });
  try {
    const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: unavailable.url });
    await worker.runUntil(async () => {
      const { user, dueMs } = await sleepingUser(taskQueue);
      await skipTo(dueMs + 1_000);
      await unavailable.waitForRequests(1);
      const pending = await eventually(async () => {
        const rows = await deliveriesOf(db, user.id);
        return rows[0]?.status === 'pending' ? rows[0] : undefined;
      }, 'the first attempt to leave the row waiting for a retry');
      // The run is terminated between attempts, waiting on its retry timer: nothing will retry the row. Not while
      // the attempt's workflow task is still being completed: the time-skipping server, terminated then, kept time
      // from skipping for good (the sleep below hung in one run in six on a loaded machine).
      await eventually(async () => {
        const { raw } = await handleOf(user.id).describe();
        return raw.pendingWorkflowTask ? undefined : raw;
      }, 'the run to wait on its retry timer, no workflow task in flight');
      await handleOf(user.id).terminate('lost');
      await skipTo(dueMs + 25 * HOUR_MS);

      await workflowsOn(taskQueue).start(user, 'birthday');
      const next = await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday');
      expect(next?.year).toBe(pending.occurrenceYear + 1);
      expect(await deliveriesOf(db, user.id)).toEqual([
        expect.objectContaining({ id: pending.id, status: 'missed', lastError: expect.stringMatching(/lateness/) }),
        expect.objectContaining({ occurrenceYear: next!.year, status: 'scheduled' }),
      ]);
    });
  } finally {
    await unavailable.close();
  }
});

test('paused through the pause signal: the due occurrence is skipped with the reason, nothing sent; resume plans on', async () => {
  const taskQueue = uniqueTaskQueue('paused');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url });
  await worker.runUntil(async () => {
    const { user, dueMs } = await sleepingUser(taskQueue);
    const handle = handleOf(user.id);
    await handle.signal(pauseSignal, { reason: 'on leave' });
    await eventually(async () => {
      const state = await handle.query(scheduleStateQuery);
      return state.paused?.reason === 'on leave' ? state : undefined;
    }, 'the run to plan with the pause');
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).pauseReason).toBe('on leave');
    // The Web UI's details of the run (the built-in metadata query it asks) show the pause and its reason.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/\| Paused \| since \S+: on leave \|/);

    await skipTo(dueMs + 1_000);
    const [row] = await eventually(async () => {
      const rows = await deliveriesOf(db, user.id);
      return rows[0]?.status === 'skipped' ? rows : undefined;
    }, 'the occurrence to be skipped');
    expect(row!.lastError).toContain('on leave');
    expect(receiver.requests).toHaveLength(0);

    await handle.signal(resumeSignal);
    const resumed = await eventually(async () => {
      const state = await handle.query(scheduleStateQuery);
      return state.paused === null && state.next ? state : undefined;
    }, 'the run to plan without the pause');
    expect(resumed.next?.year).toBe(row!.occurrenceYear + 1);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).pausedAt).toBeNull();
    await env.sleep('2 days');
    expect(receiver.requests).toHaveLength(0);
  });
});
