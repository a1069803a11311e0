import type { Client } from '@temporalio/client';
import { Registry } from 'prom-client';
import type { Db } from '../../src/db/client';
import { insertUser, type User } from '../../src/db/users';
import { createReconcilerMetrics } from '../../src/metrics/reconciler-metrics';
import { reconcile, type ReconcilerDependencies } from '../../src/reconciler/reconcile';
import { SyncBackoff } from '../../src/reconciler/sync-backoff';
import type { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { personWithBirthdayIn } from '../support/fixtures';
import { useIsolatedTestDb } from '../support/test-db';

// The quick pass against a real Postgres of its own (so the flagged users are exactly the test's) and a stand-in for
// Temporal that refuses some users' changes for ever, as a workflow whose validator keeps refusing would.
let db: Db;
useIsolatedTestDb('reconciler_flagged', (opened) => (db = opened));

const MINUTE = 60_000;

/** `count` users flagged one millisecond apart, oldest first, as the API leaves them when Temporal did not answer. */
async function flaggedUsers(count: number, firstFlaggedAt: Date): Promise<User[]> {
  const users: User[] = [];
  for (let index = 0; index < count; index += 1) {
    const flaggedAt = new Date(firstFlaggedAt.getTime() + index);
    users.push(await insertUser(db, personWithBirthdayIn(10, flaggedAt.getTime(), 'Europe/Paris'), flaggedAt));
  }
  return users;
}

/** Workflows that take every change but those of `failing`, and remember whom they were asked about. */
function workflowsRefusing(failing: Set<string>) {
  const asked: string[] = [];
  const workflows = {
    changeSchedule(user: User) {
      asked.push(user.id);
      return failing.has(user.id) ? Promise.reject(new Error('refused by the validator')) : Promise.resolve({});
    },
    stop: () => Promise.resolve(),
  } as unknown as GreetingWorkflows;
  return { workflows, asked };
}

test('150 flagged users whose first 100 keep failing: the other 50 are synced in the first pass, the 100 back off and are reported stuck', async () => {
  const start = new Date('2026-01-01T00:00:00.000Z');
  const users = await flaggedUsers(150, start);
  const failing = new Set(users.slice(0, 100).map((user) => user.id));
  const { workflows, asked } = workflowsRefusing(failing);
  const registry = new Registry();
  const metrics = createReconcilerMetrics(registry);
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  let now = new Date(start.getTime() + 10 * MINUTE);
  const deps: ReconcilerDependencies = {
    db,
    client: {} as Client,
    workflows,
    taskQueue: 'unused',
    log: { info: () => {}, warn: (message, fields) => warnings.push({ message, fields }) },
    graceMs: 0,
    now: () => now,
    backoff: new SyncBackoff({ firstDelayMs: MINUTE, maxDelayMs: 60 * MINUTE, stuckAfter: 3 }),
    metrics,
  };

  const first = await reconcile(deps, { fullSweep: false });
  expect(first).toMatchObject({ synced: 50, failed: 100 });
  const stillFlagged = await db.user.findMany({
    where: { workflowSyncRequestedAt: { not: null } },
    select: { id: true },
  });
  expect(new Set(stillFlagged.map((user) => user.id))).toEqual(failing);

  // Within the backoff, the failing users are not asked again.
  asked.length = 0;
  now = new Date(now.getTime() + 30_000);
  expect(await reconcile(deps, { fullSweep: false })).toMatchObject({ synced: 0, failed: 0 });
  expect(asked).toEqual([]);

  // Each failure doubles the wait: after 1 and 2 more minutes they fail a second and third time, and are stuck.
  now = new Date(now.getTime() + MINUTE);
  expect(await reconcile(deps, { fullSweep: false })).toMatchObject({ failed: 100 });
  expect((await registry.getSingleMetric('greetings_reconciler_stuck_users')!.get()).values[0]!.value).toBe(0);
  now = new Date(now.getTime() + 2 * MINUTE);
  expect(await reconcile(deps, { fullSweep: false })).toMatchObject({ failed: 100 });
  expect((await registry.getSingleMetric('greetings_reconciler_stuck_users')!.get()).values[0]!.value).toBe(100);
  expect(warnings.filter(({ message }) => message.includes('stuck'))).toHaveLength(100);

  // Once the cause is fixed they are synced at their next turn, and nobody is stuck any more.
  failing.clear();
  now = new Date(now.getTime() + 4 * MINUTE);
  expect(await reconcile(deps, { fullSweep: false })).toMatchObject({ synced: 100, failed: 0 });
  expect(await db.user.count({ where: { workflowSyncRequestedAt: { not: null } } })).toBe(0);
  expect((await registry.getSingleMetric('greetings_reconciler_stuck_users')!.get()).values[0]!.value).toBe(0);
});
