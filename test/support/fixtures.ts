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
