import type { EventType } from '../domain/event-type';
import type { Db } from './client';
import { timeZoneDataVersion } from '../process/time-zone-data';
import { EVENT_REMOVED } from './ledger';

/** The executor of one statement: the client, or a transaction of it. */
type Sql = Pick<Db, '$executeRaw'>;

export interface ArmedOccurrence {
  userId: string;
  eventType: EventType;
  occurrenceYear: number;
  /** `YYYY-MM-DD` in the user's zone. */
  occurrenceDate: string;
  /** The due instant, UTC ISO. */
  scheduledAt: string;
  idempotencyKey: string;
  /** The run that planned it; '' when armed by the API or a dispatcher (the one that sends it writes its own). */
  workflowId: string;
  runId: string;
}

// Every armed row records the IANA release its instant was computed with (this process's, which computed it).

/**
 * Arms the occurrence a plan chose, in one statement: its ledger row is written `scheduled` at the due instant (an
 * armed row of the year is re-timed to the new plan, one cancelled because the event was removed is armed again now
 * that it is back; a row an attempt already touched keeps its own state), and an
 * armed row of another year of the same event (a date moved past this year's) is dropped, so the dispatcher of an
 * instant only ever finds the plans that stand. Nothing is armed for a deleted user.
 */
export async function armOccurrence(sql: Sql, occurrence: ArmedOccurrence): Promise<void> {
  const { userId, eventType, occurrenceYear } = occurrence;
  await sql.$executeRaw`
    WITH superseded AS (
      DELETE FROM deliveries
      WHERE user_id = ${userId}::uuid AND event_type = ${eventType}::event_type AND status = 'scheduled'
        AND occurrence_year <> ${occurrenceYear}
    )
    INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, next_attempt_at,
                            status, idempotency_key, workflow_id, run_id, tz_version, updated_at)
    SELECT gen_random_uuid(), ${userId}::uuid, ${eventType}::event_type, ${occurrenceYear},
           ${occurrence.occurrenceDate}::date, ${occurrence.scheduledAt}::timestamptz,
           ${occurrence.scheduledAt}::timestamptz, 'scheduled', ${occurrence.idempotencyKey}, ${occurrence.workflowId},
           ${occurrence.runId}, ${timeZoneDataVersion()}, now()
    WHERE EXISTS (SELECT 1 FROM users WHERE id = ${userId}::uuid AND deleted_at IS NULL)
    ON CONFLICT (user_id, event_type, occurrence_year) DO UPDATE
      SET status = 'scheduled', occurrence_date = EXCLUDED.occurrence_date, scheduled_at = EXCLUDED.scheduled_at,
          next_attempt_at = EXCLUDED.next_attempt_at, tz_version = EXCLUDED.tz_version,
          last_error = CASE WHEN deliveries.status = 'scheduled' THEN deliveries.last_error END, updated_at = now()
      WHERE deliveries.status = 'scheduled'
         OR deliveries.status = 'cancelled' AND deliveries.last_error = ${EVENT_REMOVED}`;
}

/**
 * Drops the user's armed occurrences (of one event, or of all): a pause, or a plan that finds nothing to arm. The
 * user's run still wakes at its moment and records what happened (skipped while paused); a resume's plan arms again.
 */
export async function disarmOccurrences(sql: Sql, userId: string, eventType?: EventType): Promise<number> {
  return sql.$executeRaw`
    DELETE FROM deliveries
    WHERE user_id = ${userId}::uuid AND status = 'scheduled'
      AND (${eventType ?? null}::event_type IS NULL OR event_type = ${eventType ?? null}::event_type)`;
}

/**
 * Arms several occurrences at once (the dispatcher arms next year for every greeting of a page it delivered); a row
 * the year already has is left alone: the user's run re-times it when it plans.
 */
export async function armOccurrences(sql: Sql, occurrences: ArmedOccurrence[]): Promise<void> {
  if (occurrences.length === 0) return;
  const column = <K extends keyof ArmedOccurrence>(key: K) => occurrences.map((occurrence) => occurrence[key]);
  await sql.$executeRaw`
    INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, next_attempt_at,
                            status, idempotency_key, workflow_id, run_id, tz_version, updated_at)
    SELECT gen_random_uuid(), a.user_id, a.event_type::event_type, a.occurrence_year, a.occurrence_date,
           a.scheduled_at, a.scheduled_at, 'scheduled', a.idempotency_key, a.workflow_id, a.run_id,
           ${timeZoneDataVersion()}, now()
    FROM unnest(${column('userId')}::uuid[], ${column('eventType')}::text[], ${column('occurrenceYear')}::int[],
                ${column('occurrenceDate')}::date[], ${column('scheduledAt')}::timestamptz[],
                ${column('idempotencyKey')}::text[], ${column('workflowId')}::text[], ${column('runId')}::text[])
         AS a(user_id, event_type, occurrence_year, occurrence_date, scheduled_at, idempotency_key, workflow_id, run_id)
    JOIN users u ON u.id = a.user_id AND u.deleted_at IS NULL AND u.paused_at IS NULL
    ON CONFLICT (user_id, event_type, occurrence_year) DO NOTHING`;
}

/** The user's armed occurrence of an event (the earliest, if a re-plan left two), or null when none is armed. */
export async function findArmedOccurrence(
  db: Pick<Db, 'delivery'>,
  userId: string,
  eventType: EventType,
): Promise<{ occurrenceYear: number; scheduledAt: Date } | null> {
  return db.delivery.findFirst({
    where: { userId, eventType, status: 'scheduled' },
    orderBy: { occurrenceYear: 'asc' },
    select: { occurrenceYear: true, scheduledAt: true },
  });
}

/** The earliest armed occurrence of each event of these users, keyed `<userId>/<eventType>`: one query for a page. */
export async function armedOccurrencesOf(
  db: Pick<Db, 'delivery'>,
  userIds: string[],
): Promise<Map<string, { occurrenceYear: number; scheduledAt: Date }>> {
  const rows = await db.delivery.findMany({
    where: { userId: { in: userIds }, status: 'scheduled' },
    orderBy: { occurrenceYear: 'asc' },
    select: { userId: true, eventType: true, occurrenceYear: true, scheduledAt: true },
  });
  const armed = new Map<string, { occurrenceYear: number; scheduledAt: Date }>();
  for (const row of rows) {
    const key = `${row.userId}/${row.eventType}`;
    if (!armed.has(key)) armed.set(key, { occurrenceYear: row.occurrenceYear, scheduledAt: row.scheduledAt });
  }
  return armed;
}

/** Whether some armed row was computed with time-zone data older than `version` (or not recorded). */
export async function anyArmedBefore(db: Pick<Db, '$queryRaw'>, version: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM deliveries WHERE status = 'scheduled' AND (tz_version IS NULL OR tz_version < ${version}) LIMIT 1`;
  return rows.length > 0;
}
