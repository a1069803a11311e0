import { DateTime } from 'luxon';
import type { Db } from '../../src/db/client';
import { insertUser, type User, type UserFields } from '../../src/db/users';

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

export function createUserRow(db: Db, fields: UserFields): Promise<User> {
  return insertUser(db, fields);
}

export function deliveriesOf(db: Db, userId: string) {
  return db.delivery.findMany({ where: { userId }, orderBy: { occurrenceYear: 'asc' } });
}
