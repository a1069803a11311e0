import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { armOccurrence } from '../../src/db/armed-occurrences';
import type { Db } from '../../src/db/client';
import { insertUser, markWorkflowSynced, requestWorkflowSync, softDeleteUser, type User } from '../../src/db/users';
import type { EventType } from '../../src/domain/event-type';
import { armedRowOf } from '../../src/greetings/armed-row';
import { workflowIdFor } from '../../src/greetings/ids';
import { sweepPage, type SweepPageResult } from '../../src/reconciler/sweep-page';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { startDevServer, uniqueTaskQueue } from '../support/environment';
import { personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { silentLog } from '../support/service';
import { useIsolatedTestDb } from '../support/test-db';

// The full sweep, page by page, against a real Postgres of its own and a real dev server's visibility. The runs it
// compares with are real workflows held in a start delay (no worker needed): the sweep reads only visibility.
let db: Db;
let env: TestWorkflowEnvironment;
useIsolatedTestDb('reconciler_sweep', (opened) => (db = opened));
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

async function liveUsers(count: number): Promise<User[]> {
  const users: User[] = [];
  for (let index = 0; index < count; index += 1) {
    const now = new Date();
    const user = await insertUser(db, personWithBirthdayIn(10, now.getTime(), 'Europe/Paris'), now);
    await markWorkflowSynced(db, user.id, now);
    users.push(user);
  }
  return users;
}

/** A running workflow for the user's event that does nothing yet: listed as running, waiting out its delay. */
async function runningRun(taskQueue: string, userId: string, eventType: EventType): Promise<void> {
  await env.client.workflow.start('yearlyGreetingWorkflow', {
    workflowId: workflowIdFor(userId, eventType),
    taskQueue,
    args: [{ userId, eventType }],
    startDelay: '1 day',
  });
}

async function cancelRequested(userId: string, eventType: EventType): Promise<boolean> {
  const history = await env.client.workflow.getHandle(workflowIdFor(userId, eventType)).fetchHistory();
  return (history.events ?? []).some((event) => event.workflowExecutionCancelRequestedEventAttributes);
}

test('250 live users in pages of 100: each page lists only its range of ids; missing runs start, orphans are cancelled once, flagged users are left to the quick pass', async () => {
  const taskQueue = uniqueTaskQueue('sweep');
  const users = await liveUsers(250);
  const [gone] = await liveUsers(1);
  await softDeleteUser(db, gone!.id, new Date());
  await markWorkflowSynced(
    db,
    gone!.id,
    (await db.user.findUniqueOrThrow({ where: { id: gone!.id } })).workflowSyncRequestedAt!,
  );
  const byId = [...users].sort((a, b) => a.id.localeCompare(b.id));
  const missing = new Set([byId[0]!.id, byId[99]!.id, byId[100]!.id, byId[249]!.id]);
  const flagged = byId[150]!;
  await requestWorkflowSync(db, flagged.id, new Date());
  for (const user of users) {
    if (!missing.has(user.id) && user.id !== flagged.id) await runningRun(taskQueue, user.id, 'birthday');
  }
  // Orphans: a deleted user's run, and an anniversary run of a user who has no anniversary.
  await runningRun(taskQueue, gone!.id, 'birthday');
  const withoutAnniversary = byId[120]!;
  await runningRun(taskQueue, withoutAnniversary.id, 'anniversary');
  const runningCount = 250 - missing.size - 1 + 2;
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  await eventually(
    async () => ((await env.client.workflow.count(query)).count === runningCount ? true : undefined),
    'visibility to list every run',
  );
  const started: string[] = [];
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
  const recording = {
    start: async (user: User, eventType: EventType) => {
      started.push(user.id);
      await workflows.start(user, eventType);
    },
    stop: (userId: string, eventType: EventType) => workflows.stop(userId, eventType),
    refresh: (userId: string, eventType: EventType) => workflows.refresh(userId, eventType),
  };

  const pages: SweepPageResult[] = [];
  let after: string | null = null;
  do {
    const page = await sweepPage(
      { db, client: env.client, workflows: recording, taskQueue, log: silentLog },
      { after, pageSize: 100 },
    );
    pages.push(page);
    after = page.nextAfter;
  } while (after !== null);

  expect(pages.map((page) => page.users)).toEqual([100, 100, 50]);
  expect(pages.map((page) => page.nextAfter)).toEqual([byId[99]!.id, byId[199]!.id, null]);
  expect(pages.reduce((sum, page) => sum + page.runs, 0)).toBe(runningCount);
  expect(pages.reduce((sum, page) => sum + page.started, 0)).toBe(missing.size);
  expect(pages.reduce((sum, page) => sum + page.cancelled, 0)).toBe(2);
  expect(pages.reduce((sum, page) => sum + page.failed, 0)).toBe(0);
  // One Postgres query and one visibility call per event type, per page: 9 for 250 users.
  for (const page of pages) expect(page.queries).toBe(3);
  expect(started.sort()).toEqual([...missing].sort());
  expect(started).not.toContain(flagged.id);
  expect(await cancelRequested(gone!.id, 'birthday')).toBe(true);
  expect(await cancelRequested(withoutAnniversary.id, 'anniversary')).toBe(true);
  expect(await cancelRequested(byId[121]!.id, 'birthday')).toBe(false);
});

test('a missing run whose next occurrence is armed starts with that plan in a start delay until one to two hours before it; one due sooner starts now', async () => {
  const taskQueue = uniqueTaskQueue('restore');
  const [later, sooner] = await liveUsers(2);
  const nowMs = Date.now();
  const laterDue = new Date(nowMs + 30 * 86_400_000);
  const soonerDue = new Date(nowMs + 2 * 3_600_000);
  for (const [user, due] of [
    [later!, laterDue],
    [sooner!, soonerDue],
  ] as const) {
    await armOccurrence(db, {
      userId: user.id,
      eventType: 'birthday',
      occurrenceYear: due.getUTCFullYear(),
      occurrenceDate: due.toISOString().slice(0, 10),
      scheduledAt: due.toISOString(),
      idempotencyKey: `birthday-${due.getUTCFullYear()}-${user.id}`,
      workflowId: workflowIdFor(user.id, 'birthday'),
      runId: '',
    });
  }
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
  const planSettings = { deliveryTime: '09:00', handOverWindowMs: 600_000 };

  let after: string | null = null;
  let started = 0;
  do {
    const page: SweepPageResult = await sweepPage(
      { db, client: env.client, workflows, taskQueue, log: silentLog, planSettings },
      { after, pageSize: 1_000 },
    );
    started += page.started;
    after = page.nextAfter;
  } while (after !== null);
  expect(started).toBeGreaterThanOrEqual(2);

  const restored = await env.client.workflow.getHandle(workflowIdFor(later!.id, 'birthday')).describe();
  expect(restored.historyLength).toBe(1);
  const wakeMs = restored.executionTime!.getTime();
  expect(wakeMs).toBeGreaterThanOrEqual(laterDue.getTime() - 2 * 3_600_000);
  expect(wakeMs).toBeLessThan(laterDue.getTime() - 3_600_000);
  // Asked before its first task, it answers the plan it was started with: the armed occurrence.
  expect(await workflows.nextDelivery(later!.id, 'birthday')).toMatchObject({
    epochMs: laterDue.getTime(),
    eventType: 'birthday',
  });
  const now = await env.client.workflow.getHandle(workflowIdFor(sooner!.id, 'birthday')).describe();
  expect(now.executionTime!.getTime()).toBeLessThan(Date.now() + 1_000);
});

test('armed greetings planned with older time-zone data: one whose instant moved is re-armed and its run told to re-plan, one that did not move records the release, one planned with newer data is left alone', async () => {
  const taskQueue = uniqueTaskQueue('zone-data');
  const [moved, unmoved, newer] = await liveUsers(3);
  const nowMs = Date.now();
  const instants = new Map<string, number>();
  for (const [user, tzVersion, shiftMs] of [
    [moved!, '2000a', -3_600_000],
    [unmoved!, '2000a', 0],
    [newer!, 'zzzz', -3_600_000],
  ] as const) {
    await runningRun(taskQueue, user.id, 'birthday');
    const occurrence = nextOccurrence({ date: user.birthday, timezone: user.timezone, deliveryTime: '09:00', nowMs });
    instants.set(user.id, occurrence.epochMs);
    await armOccurrence(db, armedRowOf(user.id, 'birthday', occurrence));
    // As if planned by a worker whose rules put the moment an hour earlier (or, for `newer`, by a newer worker).
    await db.$executeRaw`
      UPDATE deliveries SET tz_version = ${tzVersion},
        scheduled_at = scheduled_at + ${shiftMs} * interval '1 millisecond',
        next_attempt_at = scheduled_at + ${shiftMs} * interval '1 millisecond'
      WHERE user_id = ${user.id}::uuid`;
  }
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
  await eventually(
    async () =>
      (await env.client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).count === 3
        ? true
        : undefined,
    'visibility to list the runs',
  );

  let movedCount = 0;
  let after: string | null = null;
  do {
    const page: SweepPageResult = await sweepPage(
      {
        db,
        client: env.client,
        workflows,
        taskQueue,
        log: silentLog,
        planSettings: { deliveryTime: '09:00', handOverWindowMs: 0 },
      },
      { after, pageSize: 1_000 },
    );
    movedCount += page.moved;
    after = page.nextAfter;
  } while (after !== null);

  expect(movedCount).toBe(1);
  const rowOf = async (user: User) =>
    await db.delivery.findFirstOrThrow({ where: { userId: user.id, status: 'scheduled' } });
  expect(await rowOf(moved!)).toMatchObject({ tzVersion: process.versions.tz });
  expect((await rowOf(moved!)).scheduledAt.getTime()).toBe(instants.get(moved!.id));
  expect(await rowOf(unmoved!)).toMatchObject({ tzVersion: process.versions.tz });
  expect((await rowOf(unmoved!)).scheduledAt.getTime()).toBe(instants.get(unmoved!.id));
  expect(await rowOf(newer!)).toMatchObject({ tzVersion: 'zzzz' });
  expect((await rowOf(newer!)).scheduledAt.getTime()).toBe(instants.get(newer!.id)! - 3_600_000);
  const signalled = async (user: User) =>
    ((await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).fetchHistory()).events ?? []).some(
      (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'refreshSchedule',
    );
  expect(await signalled(moved!)).toBe(true);
  expect(await signalled(unmoved!)).toBe(false);
  expect(await signalled(newer!)).toBe(false);
});
