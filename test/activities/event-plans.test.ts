import type { Db } from '../../src/db/client';
import { claimDelivery } from '../../src/db/ledger';
import { updateLiveUser, type User } from '../../src/db/users';
import type { LeapDayPolicy } from '../../src/time/next-occurrence';
import { createUserRow } from '../support/fixtures';
import { activityPlanner } from '../support/planner';
import { useTestDb } from '../support/test-db';

// Each event's run plans from its own date on the user's row, by the same rules (Feb 29, the lateness limit), and
// a run whose event the user no longer has ends, its claim sending nothing. Real Postgres, no Temporal.

let db: Db;
useTestDb((opened) => (db = opened));

const NOW_MS = Date.parse('2027-01-10T12:00:00Z');
const person = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-07-01', timezone: 'Europe/Paris' };

function planner(leapDayPolicy?: LeapDayPolicy) {
  return activityPlanner({ db, deliveryTime: '09:00', leapDayPolicy, maxLatenessMs: null });
}

async function userWithAnniversary(anniversary: string | null): Promise<User> {
  return createUserRow(db, { ...person, anniversary });
}

test('the anniversary run plans 09:00 local on the anniversary, the birthday run on the birthday', async () => {
  const user = await userWithAnniversary('2015-03-14');
  const plan = planner();

  const anniversary = await plan.planDelivery({ userId: user.id, eventType: 'anniversary', nowMs: NOW_MS });
  const birthday = await plan.planDelivery({ userId: user.id, eventType: 'birthday', nowMs: NOW_MS });

  expect(anniversary).toMatchObject({ year: 2027, localDate: '2027-03-14', instant: '2027-03-14T08:00:00.000Z' });
  expect(birthday).toMatchObject({ year: 2027, localDate: '2027-07-01', instant: '2027-07-01T07:00:00.000Z' });
});

test.each([
  [undefined, '2027-02-28'],
  ['feb28' as const, '2027-02-28'],
  ['mar1' as const, '2027-03-01'],
])('an anniversary on Feb 29 follows LEAP_DAY_POLICY %s in a common year: %s', async (policy, expected) => {
  const user = await userWithAnniversary('2012-02-29');

  const planned = await planner(policy).planDelivery({ userId: user.id, eventType: 'anniversary', nowMs: NOW_MS });

  expect(planned).toMatchObject({ year: 2027, localDate: expected });
});

test('a user without an anniversary: its plan is null, as for a deleted user, so the run ends', async () => {
  const user = await userWithAnniversary(null);

  const planned = await planner().planDelivery({ userId: user.id, eventType: 'anniversary', nowMs: NOW_MS });

  expect(planned).toBeNull();
});

test('a claim after the anniversary was removed sends nothing and cancels the row; one after it is back sends', async () => {
  const user = await userWithAnniversary('2015-03-14');
  const request = {
    userId: user.id,
    eventType: 'anniversary' as const,
    occurrenceYear: 2027,
    occurrenceDate: '2027-03-14',
    scheduledAt: '2027-03-14T08:00:00.000Z',
    idempotencyKey: `anniversary-2027-${user.id}`,
    workflowId: `anniversary-${user.id}`,
    runId: 'run-1',
    inFlightLeaseMs: 15_000,
    maxLatenessMs: null,
  };
  const at = new Date(request.scheduledAt);

  await updateLiveUser(db, user.id, { ...person, anniversary: null }, new Date());
  const removed = await claimDelivery(db, request, at);
  const row = await db.delivery.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
  await updateLiveUser(db, user.id, { ...person, anniversary: '2015-03-14' }, new Date());
  const back = await claimDelivery(db, request, at);

  expect(removed.kind).toBe('user-deleted');
  expect(row).toMatchObject({ status: 'cancelled', lastError: 'event removed from the user before delivery' });
  expect(back).toMatchObject({ kind: 'claimed', deliveryId: row.id, attempt: 1 });
});

test('removing the anniversary cancels its pending rows in the same write, and leaves the birthday rows alone', async () => {
  const user = await userWithAnniversary('2015-03-14');
  const row = (eventType: 'birthday' | 'anniversary') => ({
    userId: user.id,
    eventType,
    occurrenceYear: 2027,
    occurrenceDate: new Date('2027-03-14T00:00:00Z'),
    scheduledAt: new Date('2027-03-14T08:00:00Z'),
    status: 'pending' as const,
    idempotencyKey: `${eventType}-2027-${user.id}`,
    workflowId: `${eventType}-${user.id}`,
    runId: 'run-1',
  });
  await db.delivery.createMany({ data: [row('birthday'), row('anniversary')] });

  await updateLiveUser(db, user.id, { ...person, anniversary: null }, new Date());

  const rows = await db.delivery.findMany({ where: { userId: user.id }, orderBy: { eventType: 'asc' } });
  expect(rows.map((each) => [each.eventType, each.status])).toEqual([
    ['birthday', 'pending'],
    ['anniversary', 'cancelled'],
  ]);
});
