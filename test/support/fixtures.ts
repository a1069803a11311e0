import { DateTime } from 'luxon';
import type { Db } from '../../src/db/client';
import { insertUser, markWorkflowSynced, type User, type UserFields } from '../../src/db/users';

/** A person whose birthday falls `daysAhead` days after `nowMs` in their zone. */
export function personWithBirthdayIn(daysAhead: number, nowMs: number, timezone: string): UserFields {
  const birthdayThisYear = DateTime.fromMillis(nowMs, { zone: timezone }).plus({ days: daysAhead });
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    birthday: birthdayThisYear.set({ year: 1990 }).toISODate()!,
    timezone,
  };
}

/** A user row as the API writes it, marked in step with Temporal (the test starts the workflow itself). */
export async function createUserRow(db: Db, fields: UserFields): Promise<User> {
  const now = new Date();
  const user = await insertUser(db, fields, now);
  await markWorkflowSynced(db, user.id, now);
  return user;
}

export function deliveriesOf(db: Db, userId: string) {
  return db.delivery.findMany({ where: { userId }, orderBy: { occurrenceYear: 'asc' } });
}

/**
 * A fixed-offset IANA zone (`Etc/GMT±N`) where the local hour at `nowMs` is `localHour`, so a test can be before or
 * after 09:00 local whatever time it runs. `Etc/GMT-5` is UTC+5: the sign is inverted by the IANA convention.
 */
export function zoneWithLocalHour(nowMs: number, localHour: number): string {
  const utcHour = new Date(nowMs).getUTCHours();
  let offset = (((localHour - utcHour) % 24) + 24) % 24;
  if (offset > 14) offset -= 24;
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** Today's date in `timezone` at `nowMs`, as `YYYY-MM-DD`. */
export function localDate(nowMs: number, timezone: string): string {
  return DateTime.fromMillis(nowMs, { zone: timezone }).toISODate()!;
}

/** A person born today in a zone where it is noon, and the delivery time `secondsAhead` from now there. */
export function dueSoon(secondsAhead: number) {
  const nowMs = Date.now();
  const timezone = zoneWithLocalHour(nowMs, 12);
  const deliveryTime = DateTime.fromMillis(nowMs + secondsAhead * 1000, { zone: timezone }).toFormat('HH:mm:ss');
  const person = { firstName: 'Ada', lastName: 'Lovelace', birthday: `1990-${localDate(nowMs, timezone).slice(5)}`, timezone };
  return { person, deliveryTime };
}
