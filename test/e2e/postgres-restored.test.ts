import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { reconcile } from '../../src/reconciler/reconcile';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { refreshScheduleSignal } from '../../src/workflows/definitions';
import { useServiceOnDevServer } from '../support/dev-server';
import { deliveriesOf } from '../support/fixtures';
import { eventually, sleep, type DueSoon } from '../support/real-time';
import { runbookSql } from '../support/runbook-blocks';
import { runNpmScript } from '../support/run-process';
import { call, silentLog } from '../support/service';
import type { TestReceiver } from '../support/test-receiver';

// Disaster recovery, Postgres's side: the database is restored from a backup taken before today's greetings went out,
// while Temporal kept its state (the runs have delivered and continued to next year). The restored ledger no longer
// knows the year was delivered. A run that continued from the delivered year keeps to the year it was handed
// (`fromYear`), so nothing is sent again; a workflow started afresh has only the ledger to go by and sends the year
// again within MAX_DELIVERY_LATENESS, with the same Idempotency-Key and webhook-id, so the receiver can drop it.
let env: TestWorkflowEnvironment;
let databaseUrl: string;
let db: Db;
let taskQueue: string;
let due: DueSoon;
let receiver: TestReceiver;
let api: RunningHttpServer;
let workflows: GreetingWorkflows;
/** Two users greeted today, before the restore; each workflow has moved on to next year. */
let greeted: Array<{ userId: string; year: number }>;

useServiceOnDevServer(
  { label: 'pg-restored', dueInSeconds: 8 },
  (service) => ({ env, db, databaseUrl, taskQueue, due, receiver, api } = service),
);

beforeAll(async () => {
  workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });

  const userIds = await Promise.all(
    ['Ada', 'Grace'].map(async (firstName) => {
      const created = await call(api.url, 'POST', '/users', { ...due.person, firstName });
      return created.body.id as string;
    }),
  );
  await receiver.waitForRequests(2, 60_000);
  greeted = await Promise.all(
    userIds.map(async (userId) => {
      const [row] = await eventually(async () => {
        const rows = await deliveriesOf(db, userId);
        return rows[0]?.status === 'delivered' ? rows : undefined;
      }, 'the delivery to be recorded');
      await eventually(async () => {
        const next = await workflows.nextDelivery(userId, 'birthday').catch(() => null);
        return next && next.year > row!.occurrenceYear ? next : undefined;
      }, 'the workflow to plan next year');
      return { userId, year: row!.occurrenceYear };
    }),
  );
  // The restore: the ledger as the backup had it. It was taken after both plans armed this year, before the first
  // greeting went out (its row still armed) and while the second was being POSTed (its row `sending`, as the claim
  // left it); next year was not armed yet.
  for (const { userId, year } of greeted) {
    await db.delivery.deleteMany({ where: { userId, occurrenceYear: { gt: year } } });
  }
  await db.$executeRaw`
    UPDATE deliveries SET status = 'scheduled', attempts = 0, first_attempt_at = NULL, last_attempt_at = NULL,
           delivered_at = NULL, response_status = NULL, lateness_ms = NULL, updated_at = created_at
    WHERE user_id = ${userIds[0]}::uuid`;
  await db.$executeRaw`
    UPDATE deliveries SET status = 'sending', delivered_at = NULL, response_status = NULL, updated_at = created_at
    WHERE user_id = ${userIds[1]}::uuid`;
}, 120_000);

const runbook = readFileSync(path.resolve(__dirname, '../../docs/operations.md'), 'utf8');

/** A `sql` block of the runbook's restore procedure, run as an operator would run it. */
function runbookQuery<T>(name: string): Promise<T[]> {
  return db.$queryRawUnsafe<T[]>(runbookSql(runbook, name));
}

test("the runbook's queries find the backup's moment before the deliveries, and the row it caught mid-POST", async () => {
  const [moment] = await runbookQuery<{ restored_up_to: Date }>('restored-up-to');
  // Earlier than the last greeting the receiver has: the deliveries after it are the ones the ledger lost.
  const lastReceivedMs = Math.max(...receiver.requests.map((request) => request.receivedAtMs));
  expect(moment!.restored_up_to.getTime()).toBeLessThan(lastReceivedMs);
  const open = await runbookQuery<{ user_id: string; occurrence_year: number; status: string }>('open-deliveries');
  expect(open).toEqual([
    expect.objectContaining({ user_id: greeted[1]!.userId, occurrence_year: greeted[1]!.year, status: 'sending' }),
  ]);
});

const requestsFor = (userId: string) => receiver.requests.filter((request) => request.body.userId === userId);
const handleOf = (userId: string) => env.client.workflow.getHandle(workflowIdFor(userId, 'birthday'));

test('the run that continued from the delivered year: npm run reconcile, refreshSchedule and a schedule Update send nothing again', async () => {
  const { userId, year } = greeted[0]!;

  const result = await runNpmScript('reconcile', [], {
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, DATABASE_URL: databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue },
  });
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ started: 0, cancelled: 0, failed: 0 });
  // What the runbook says to send after a restore, and what the reconciler sends a user the backup had flagged.
  await handleOf(userId).signal(refreshScheduleSignal);
  const user = (await call(api.url, 'GET', `/users/${userId}`)).body;
  const plan = await workflows.changeSchedule(user, 'birthday');

  expect(plan.year).toBe(year + 1);
  // Give a wrongful second delivery time to happen: the receiver still holds one.
  await sleep(2_000);
  expect(requestsFor(userId)).toHaveLength(1);
  // The restored ledger does not get the delivered year back: only the receiver knows it (see docs/operations.md).
  // The run's plan for next year dropped the year's stale armed row, so no dispatcher sends it again.
  expect((await deliveriesOf(db, userId)).map((row) => [row.occurrenceYear, row.status])).toEqual([
    [year + 1, 'scheduled'],
  ]);
});

test('a workflow started afresh after the restore sends the year again (its row was caught mid-POST), with the same Idempotency-Key and webhook-id', async () => {
  const { userId, year } = greeted[1]!;
  // Its run is gone (terminated; or a user deleted after the backup is live again in it): the sweep starts a new one.
  await handleOf(userId).terminate('the run is gone after the restore');
  await eventually(async () => {
    const { count } = await env.client.workflow.count(
      `WorkflowId = '${workflowIdFor(userId, 'birthday')}' AND ExecutionStatus = 'Running'`,
    );
    return count === 0 ? true : undefined;
  }, 'visibility to show the run ended');

  const report = await reconcile(
    { db, client: env.client, workflows, taskQueue, log: silentLog, graceMs: 0 },
    { fullSweep: true },
  );
  expect(report).toMatchObject({ started: 1, failed: 0 });
  await receiver.waitForRequests(3);
  const [first, second] = requestsFor(userId);

  for (const header of ['idempotency-key', 'webhook-id']) {
    expect(second!.headers[header]).toBe(first!.headers[header]);
  }
  expect(first!.headers['idempotency-key']).toBe(`birthday-${year}-${userId}`);
  expect(second!.body).toMatchObject({ occurrenceYear: year, idempotencyKey: first!.body.idempotencyKey });
  const [row] = await eventually(async () => {
    const rows = await deliveriesOf(db, userId);
    return rows[0]?.status === 'delivered' ? rows : undefined;
  }, 'the second delivery to be recorded');
  expect(row!.occurrenceYear).toBe(year);
  await eventually(async () => {
    const next = await workflows.nextDelivery(userId, 'birthday').catch(() => null);
    return next && next.year > year ? next : undefined;
  }, 'the new workflow to plan next year');
  await sleep(2_000);
  expect(requestsFor(userId)).toHaveLength(2);
});
