import type { EventType } from '../domain/event-type';
import type { Db } from './client';
import { CLOSED_STATUSES } from './ledger';
import { toUser, type User, type UserColumns } from './users';

/** What a plan reads from Postgres. */
export interface PlanInputs {
  user: User;
  /** The latest occurrence year the ledger has settled (delivered, failed, missed or skipped), if any. */
  lastSettledYear: number | null;
  /** Some occurrence is still pending or sending though it was due before `staleBefore`. */
  hasStaleOccurrences: boolean;
  /** When the pause or resume in force was asked; null if the user was never paused. */
  pauseAskedAt: Date | null;
}

const SETTLED_STATUSES = ['delivered', ...CLOSED_STATUSES];

/**
 * The live user with its ledger facts, in one round trip (at 09:00 every user of a zone is planned at once); null
 * when the user is deleted or unknown. `staleBefore` null: no lateness limit, nothing is ever stale.
 */
export async function readPlanInputs(
  db: Db,
  userId: string,
  eventType: EventType,
  staleBefore: Date | null,
): Promise<PlanInputs | null> {
  const [row] = await db.$queryRaw<
    (UserColumns & { lastSettledYear: number | null; hasStale: boolean; pauseAskedAt: Date | null })[]
  >`
    SELECT u.id, u.first_name AS "firstName", u.last_name AS "lastName", u.birthday, u.anniversary, u.timezone, u.email,
           u.external_id AS "externalId",
           u.created_at AS "createdAt", u.updated_at AS "updatedAt", u.paused_at AS "pausedAt",
           u.pause_reason AS "pauseReason", u.pause_asked_at AS "pauseAskedAt",
           u.birthday_since AS "birthdaySince", u.anniversary_since AS "anniversarySince",
           (SELECT max(d.occurrence_year) FROM deliveries d
             WHERE d.user_id = u.id AND d.event_type = ${eventType}::event_type
               AND d.status::text = ANY(${SETTLED_STATUSES})) AS "lastSettledYear",
           (${staleBefore}::timestamptz IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries d
             WHERE d.user_id = u.id AND d.event_type = ${eventType}::event_type
               AND d.status IN ('pending', 'sending') AND d.scheduled_at < ${staleBefore}::timestamptz)) AS "hasStale"
    FROM users u
    WHERE u.id = ${userId}::uuid AND u.deleted_at IS NULL`;
  if (!row) return null;
  return {
    user: toUser(row),
    lastSettledYear: row.lastSettledYear,
    hasStaleOccurrences: row.hasStale,
    pauseAskedAt: row.pauseAskedAt,
  };
}
