import type { Db } from '../../src/db/client';
import { insertUser, restoreUser, updateLiveUser, type UserFields } from '../../src/db/users';
import type { EventType } from '../../src/domain/event-type';
import { firstPlanOf } from '../../src/greetings/first-plan';
import { deliveriesOf } from '../support/fixtures';
import { activityPlanner } from '../support/planner';
import { useTestDb } from '../support/test-db';

// One rule for a due moment that has just passed (issue 22 §3): it is owed when it came after the event's schedule
// took its current form. A worker down at the moment owes it (sent late within MAX_DELIVERY_LATENESS); a create or an
// edit of the event's date or the zone after it does not (the next occurrence is the first one owed). Real Postgres;
// every instant is fixed, so the test reads the same whatever the hour it runs at.

const DAY_MS = 86_400_000;
/** 08:00 in Paris (UTC+1 in March): an hour before the day's 09:00, 23 h after yesterday's. */
const NOW = new Date('2026-03-14T07:00:00.000Z');
const CREATED_LONG_AGO = new Date('2026-01-10T12:00:00.000Z');
/** Yesterday's 09:00 in Paris: passed 23 h ago, within the 24 h lateness limit. */
const YESTERDAY_AT_NINE = Date.parse('2026-03-13T08:00:00.000Z');
const NEXT_YEAR_AT_NINE = Date.parse('2027-03-13T08:00:00.000Z');

let db: Db;
useTestDb((opened) => (db = opened));

const ada: UserFields = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  birthday: '1990-03-13',
  anniversary: '2015-06-20',
  timezone: 'Europe/Paris',
};

/** One plan of the user's run at NOW, as a worker with DELIVERY_TIME 09:00 and a 24 h lateness limit makes it. */
function planAtNow(userId: string, eventType: EventType = 'birthday') {
  return activityPlanner({ db, deliveryTime: '09:00', maxLatenessMs: DAY_MS }).planDelivery({
    userId,
    eventType,
    nowMs: NOW.getTime(),
  });
}

async function ledgerOf(userId: string) {
  return (await deliveriesOf(db, userId)).map((row) => [row.eventType, row.occurrenceYear, row.status]);
}

test('a worker down at the moment: the birthday that passed 23 h ago is owed, and planned to go out at once', async () => {
  const user = await insertUser(db, ada, CREATED_LONG_AGO);
  const planned = await planAtNow(user.id);
  expect(planned).toMatchObject({ year: 2026, epochMs: YESTERDAY_AT_NINE, handOverAfterMs: 0 });
  expect(await ledgerOf(user.id)).toEqual([['birthday', 2026, 'scheduled']]);
});

test('a PUT at 08:00 moving the birthday to yesterday is not a missed delivery: it waits a year, as a create then does', async () => {
  const user = await insertUser(db, { ...ada, birthday: '1990-03-14' }, CREATED_LONG_AGO);
  await updateLiveUser(db, user.id, ada, NOW);
  expect(await planAtNow(user.id)).toMatchObject({ year: 2027, epochMs: NEXT_YEAR_AT_NINE });
  expect(await ledgerOf(user.id)).toEqual([['birthday', 2027, 'scheduled']]);

  // A user created at 08:00 with that birthday: the worker's plan and the API's first plan say the same.
  const created = await insertUser(db, { ...ada, email: 'grace@example.com' }, NOW);
  expect(await planAtNow(created.id)).toMatchObject({ year: 2027, epochMs: NEXT_YEAR_AT_NINE });
  const settings = { deliveryTime: '09:00', handOverWindowMs: 0 };
  expect(firstPlanOf(created, 'birthday', settings, NOW.getTime())).toMatchObject({ epochMs: NEXT_YEAR_AT_NINE });
});

test('a zone edited after the moment: every event of the user waits for its next occurrence', async () => {
  const user = await insertUser(db, { ...ada, anniversary: '2015-03-13' }, CREATED_LONG_AGO);
  await updateLiveUser(db, user.id, { ...ada, anniversary: '2015-03-13', timezone: 'Europe/Berlin' }, NOW);
  expect(await planAtNow(user.id, 'birthday')).toMatchObject({ year: 2027 });
  expect(await planAtNow(user.id, 'anniversary')).toMatchObject({ year: 2027 });
});

test("an edit that leaves the event's schedule as it was (a name, the other event's date) does not change what is owed", async () => {
  const user = await insertUser(db, ada, CREATED_LONG_AGO);
  await updateLiveUser(db, user.id, { ...ada, firstName: 'Augusta', anniversary: '2015-07-01' }, NOW);
  expect(await planAtNow(user.id, 'birthday')).toMatchObject({ year: 2026, epochMs: YESTERDAY_AT_NINE });
});

test('a change the workflow refused, put back, restores what was owed', async () => {
  const user = await insertUser(db, ada, CREATED_LONG_AGO);
  const saved = await updateLiveUser(db, user.id, { ...ada, timezone: 'Europe/Berlin' }, NOW);
  await restoreUser(db, saved!.previous, saved!.user.updatedAt, new Date());
  expect(await planAtNow(user.id)).toMatchObject({ year: 2026, epochMs: YESTERDAY_AT_NINE });
});
