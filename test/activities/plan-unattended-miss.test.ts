import type { Db } from '../../src/db/client';
import { pauseUser, resumeUser, updateLiveUser, type User, type UserFields } from '../../src/db/users';
import type { PlannedOccurrence } from '../../src/domain/schedule-state';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { activityPlanner } from '../support/planner';
import { useTestDb } from '../support/test-db';

// The plan of a run that starts after a due moment no run was there for (Temporal's store lost, a workflow gone for
// days): beyond MAX_DELIVERY_LATENESS the year is recorded as missed, but only when the greeting really was due then,
// as the profile says now. Real Postgres; the activity runs in a mock activity context (it reads the workflow's ids).

const DAY_MS = 86_400_000;
let db: Db;
useTestDb((opened) => (db = opened));

/** A user whose birthday was `daysAgo` days ago, created 10 days ago, its birthday last set `changedDaysAgo` days ago. */
async function userDue(daysAgo: number, changedDaysAgo: number) {
  const nowMs = Date.now();
  const user = await createUserRow(db, personWithBirthdayIn(-daysAgo, nowMs, 'UTC'));
  const changed = new Date(nowMs - changedDaysAgo * DAY_MS);
  const created = new Date(nowMs - 10 * DAY_MS);
  // Raw SQL: Prisma's @updatedAt would stamp the row with now.
  await db.$executeRaw`
    UPDATE users SET created_at = ${created}, updated_at = ${changed}, birthday_since = ${changed}
    WHERE id = ${user.id}::uuid`;
  return { user, nowMs };
}

/** One plan of the user's run, as a worker with DELIVERY_TIME 09:00 and a 24 h lateness limit makes it. */
async function plan(userId: string, nowMs: number): Promise<PlannedOccurrence | null> {
  return activityPlanner({ db, deliveryTime: '09:00', maxLatenessMs: DAY_MS }).planDelivery({
    userId,
    eventType: 'birthday',
    nowMs,
  });
}

/** The fields a PUT would send to leave the user as it is. */
function fieldsOf(user: User): UserFields {
  const { firstName, lastName, birthday, anniversary, timezone, email, externalId } = user;
  return { firstName, lastName, birthday, anniversary, timezone, email, externalId };
}

/** The user's ledger as (year, status) pairs. */
async function statusesOf(userId: string): Promise<[number, string][]> {
  return (await deliveriesOf(db, userId)).map((row) => [row.occurrenceYear, row.status]);
}

test('due three days ago and unchanged since: the year is recorded as missed and next year is planned', async () => {
  const { user, nowMs } = await userDue(3, 5);
  const planned = await plan(user.id, nowMs);
  const [row, armed] = await deliveriesOf(db, user.id);
  expect(row).toMatchObject({ status: 'missed', attempts: 0, occurrenceYear: planned!.year - 1 });
  expect(row!.lastError).toMatch(/^not sent: no run was there at the due moment; \d+ h late, over the limit of 24 h$/);
  expect(armed).toMatchObject({ status: 'scheduled', occurrenceYear: planned!.year });

  // A later plan finds the year settled and records nothing more.
  await plan(user.id, nowMs);
  expect(await deliveriesOf(db, user.id)).toHaveLength(2);
});

test('a birthday moved into the past after its due moment (a PUT yesterday) records no miss, arms next year', async () => {
  const { user, nowMs } = await userDue(3, 1);
  const planned = await plan(user.id, nowMs);
  expect(await statusesOf(user.id)).toEqual([[planned!.year, 'scheduled']]);
});

test('a user paused now records nothing: a due moment while paused is never a miss', async () => {
  const { user, nowMs } = await userDue(3, 5);
  await pauseUser(db, user.id, null, new Date(nowMs - 5 * DAY_MS), false);
  await db.$executeRaw`UPDATE users SET updated_at = ${new Date(nowMs - 5 * DAY_MS)} WHERE id = ${user.id}::uuid`;
  await plan(user.id, nowMs);
  expect(await deliveriesOf(db, user.id)).toEqual([]);
});

test("a name changed after the missed moment leaves the birthday's schedule as it was: the miss is recorded", async () => {
  const { user, nowMs } = await userDue(3, 5);
  await updateLiveUser(db, user.id, { ...fieldsOf(user), firstName: 'Augusta' }, new Date(nowMs - DAY_MS));
  const planned = await plan(user.id, nowMs);
  expect(await statusesOf(user.id)).toEqual([
    [planned!.year - 1, 'missed'],
    [planned!.year, 'scheduled'],
  ]);
});

test('a pause that ended after the missed moment may have held it: nothing is recorded', async () => {
  const { user, nowMs } = await userDue(3, 5);
  await pauseUser(db, user.id, null, new Date(nowMs - 4 * DAY_MS), false);
  await resumeUser(db, user.id, new Date(nowMs - DAY_MS), false);
  const planned = await plan(user.id, nowMs);
  expect(await statusesOf(user.id)).toEqual([[planned!.year, 'scheduled']]);
});

test('due within the lateness limit: planned to be sent late, armed, not attempted yet', async () => {
  const { user, nowMs } = await userDue(0, 5);
  const dueMs = Date.parse(`${new Date(nowMs).toISOString().slice(0, 10)}T09:00:00Z`);
  const planned = await plan(user.id, Math.max(nowMs, dueMs + 60_000));
  expect(planned!.epochMs).toBe(dueMs);
  // Armed at its instant, already passed: the run sends it when it wakes (no dispatcher waits for a past instant).
  expect(await statusesOf(user.id)).toEqual([[planned!.year, 'scheduled']]);
});
