import { DateTime } from 'luxon';
import type { Db } from '../../src/db/client';
import type { ClaimRequest } from '../../src/db/ledger';
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

/**
 * Makes the user as it had been since `at`: created then, and neither changed nor its schedule edited since (raw SQL:
 * Prisma's @updatedAt would stamp the row with now). A due moment after `at` was owed.
 */
export async function backdateUser(db: Db, userId: string, at: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE users SET created_at = ${at}, updated_at = ${at}, birthday_since = ${at}, anniversary_since = ${at}
    WHERE id = ${userId}::uuid`;
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

/** A live user due at `scheduledAt` (in UTC), and the claim request of that occurrence, as the delivery makes it. */
export async function claimRequestFor(
  db: Db,
  scheduledAt: Date,
  options: { inFlightLeaseMs: number; maxLatenessMs?: number | null },
): Promise<ClaimRequest> {
  const user = await createUserRow(db, personWithBirthdayIn(0, scheduledAt.getTime(), 'UTC'));
  const year = scheduledAt.getUTCFullYear();
  return {
    userId: user.id,
    eventType: 'birthday',
    occurrenceYear: year,
    occurrenceDate: scheduledAt.toISOString().slice(0, 10),
    scheduledAt: scheduledAt.toISOString(),
    idempotencyKey: `birthday-${year}-${user.id}`,
    workflowId: `birthday-${user.id}`,
    runId: 'run-1',
    inFlightLeaseMs: options.inFlightLeaseMs,
    maxLatenessMs: options.maxLatenessMs ?? null,
  };
}
