import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { insertUser, markWorkflowSynced, softDeleteUser, type User } from '../../src/db/users';
import { workflowIdFor } from '../../src/greetings/ids';
import { reconcile } from '../../src/reconciler/reconcile';
import type { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { personWithBirthdayIn } from '../support/fixtures';
import { useIsolatedTestDb } from '../support/test-db';

// The full sweep against a real Postgres of its own and a stand-in for Temporal's visibility that answers the list
// queries it is sent: the sweep must ask about one page of users at a time, never hold every workflow at once.
let db: Db;
useIsolatedTestDb('reconciler_sweep', (opened) => (db = opened));

const PAGE = 100;

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

/** Visibility over `running` workflow ids: every running one, or those of a `WorkflowId IN (...)` filter. */
function visibilityOf(running: Set<string>) {
  const queries: string[] = [];
  const client = {
    workflow: {
      list({ query }: { query: string }) {
        queries.push(query);
        const named = /WorkflowId IN \(([^)]*)\)/.exec(query)?.[1];
        const ids = named ? named.split(', ').map((quoted) => quoted.slice(1, -1)) : [...running];
        return asyncList(ids.filter((id) => running.has(id)).map((workflowId) => ({ workflowId })));
      },
    },
  } as unknown as Client;
  return { client, queries };
}

/** The items one by one, as the SDK's list hands them out. */
async function* asyncList<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

test('250 live users: each visibility question names at most one page of users; missing workflows start, orphans stop', async () => {
  const users = await liveUsers(250);
  const [gone] = await liveUsers(1);
  await softDeleteUser(db, gone!.id, new Date());
  await markWorkflowSynced(
    db,
    gone!.id,
    (await db.user.findUniqueOrThrow({ where: { id: gone!.id } })).workflowSyncRequestedAt!,
  );
  const missing = new Set([users[3]!.id, users[150]!.id, users[249]!.id]);
  const running = new Set(
    [...users.filter((user) => !missing.has(user.id)), gone!].map((user) => workflowIdFor(user.id, 'birthday')),
  );
  const { client, queries } = visibilityOf(running);
  const started: string[] = [];
  const stopped: string[] = [];
  const workflows = {
    start: (user: User) => Promise.resolve(void started.push(user.id)),
    stop: (userId: string) => Promise.resolve(void stopped.push(userId)),
  } as unknown as GreetingWorkflows;

  const report = await reconcile(
    { db, client, workflows, taskQueue: 'greetings', log: { info: () => {}, warn: () => {} }, graceMs: 0 },
    { fullSweep: true },
  );

  expect(report).toMatchObject({ started: 3, cancelled: 1, failed: 0 });
  expect(new Set(started)).toEqual(missing);
  expect(stopped).toEqual([gone!.id]);
  const pageQueries = queries.filter((query) => query.includes('WorkflowId IN'));
  expect(pageQueries).toHaveLength(Math.ceil(250 / PAGE));
  for (const query of pageQueries) expect(query.split("'birthday-").length - 1).toBeLessThanOrEqual(PAGE);
  for (const query of queries) expect(query).toContain("TaskQueue = 'greetings'");
});
