import type { EventType } from '../domain/event-type';
import { Prisma } from '../generated/prisma/client';
import type { ArmedOccurrence } from './armed-occurrences';
import type { Db } from './client';
import { EVENT_REMOVED, USER_DELETED } from './ledger';

/** What the dispatcher of one instant claims with: all times are the database's, never a worker's clock. */
export interface DuePageRequest {
  /** The instant whose rows are claimed, UTC ISO. */
  dueAt: string;
  pageSize: number;
  /** The dispatch run claiming: recorded on each row it attempts. */
  workflowId: string;
  runId: string;
  /** A row an attempt claimed this long ago and never settled is taken to have crashed, and is claimed again. */
  leaseMs: number;
  /** Later than this after its instant, a row is recorded as missed and not sent; null for no limit. */
  maxLatenessMs: number | null;
}

/** A claimed row and what the claim decided for it: send it now, or it was settled without sending. */
export interface ClaimedRow extends Omit<ArmedOccurrence, 'workflowId' | 'runId'> {
  deliveryId: string;
  status: 'sending' | 'cancelled' | 'skipped' | 'missed';
  /** The attempt this claim is (counted only for `sending`). */
  attempt: number;
  latenessMs: number;
  firstName: string;
  lastName: string;
  /** The user's zone and the event's date as the claim read them: next year is armed from them once delivered. */
  timezone: string;
  eventDate: string;
}

interface ClaimedColumns {
  id: string;
  user_id: string;
  event_type: EventType;
  occurrence_year: number;
  occurrence_date: Date;
  scheduled_at: Date;
  idempotency_key: string;
  status: ClaimedRow['status'];
  attempts: number;
  lateness_ms: bigint | null;
  first_name: string;
  last_name: string;
  timezone: string;
  event_date: Date;
}

/**
 * Claims a page of the instant's due rows in one statement. A row is due once its instant and its next attempt time
 * have come on the database's clock (never early), or when the attempt that claimed it outlived its lease; rows
 * another claim holds are skipped, not waited for. Each is decided against the user row as it is now: deleted or the
 * event removed → cancelled, paused → skipped, later than the limit → missed, else `sending` with its attempt counted.
 */
export async function claimDuePage(db: Db, request: DuePageRequest): Promise<ClaimedRow[]> {
  const rows = await db.$queryRaw<ClaimedColumns[]>`
    WITH due AS (
      SELECT d.id FROM deliveries d
      WHERE d.scheduled_at = ${request.dueAt}::timestamptz AND d.scheduled_at <= now()
        AND (d.status IN ('scheduled', 'pending') AND coalesce(d.next_attempt_at, d.scheduled_at) <= now()
             OR d.status = 'sending' AND d.last_attempt_at < now() - ${request.leaseMs} * interval '1 millisecond')
      LIMIT ${request.pageSize}
      FOR UPDATE OF d SKIP LOCKED
    ),
    decided AS (
      SELECT d.id, u.first_name, u.last_name, u.timezone,
             CASE WHEN d.event_type = 'anniversary' THEN u.anniversary ELSE u.birthday END AS event_date,
             CASE WHEN u.deleted_at IS NOT NULL OR (d.event_type = 'anniversary' AND u.anniversary IS NULL)
                    THEN 'cancelled'
                  WHEN u.paused_at IS NOT NULL THEN 'skipped'
                  WHEN ${request.maxLatenessMs}::bigint IS NOT NULL
                       AND now() - d.scheduled_at > ${request.maxLatenessMs}::bigint * interval '1 millisecond'
                    THEN 'missed'
                  ELSE 'sending' END AS next_status,
             CASE WHEN u.deleted_at IS NOT NULL THEN ${USER_DELETED}
                  WHEN d.event_type = 'anniversary' AND u.anniversary IS NULL THEN ${EVENT_REMOVED}
                  WHEN u.paused_at IS NOT NULL THEN coalesce('paused: ' || u.pause_reason, 'paused')
                  ELSE NULL END AS reason
      FROM due JOIN deliveries d ON d.id = due.id JOIN users u ON u.id = d.user_id
    )
    UPDATE deliveries d
    SET status = decided.next_status::delivery_status,
        attempts = d.attempts + (decided.next_status = 'sending')::int,
        first_attempt_at = CASE WHEN decided.next_status = 'sending' THEN coalesce(d.first_attempt_at, now())
                                ELSE d.first_attempt_at END,
        last_attempt_at = CASE WHEN decided.next_status = 'sending' THEN now() ELSE d.last_attempt_at END,
        lateness_ms = greatest(0, (extract(epoch FROM now() - d.scheduled_at) * 1000)::bigint),
        last_error = CASE WHEN decided.next_status = 'missed'
                            THEN 'not sent: ' || ${durationWords(Prisma.sql`now() - d.scheduled_at`)}
                                 || ' late, over the limit of '
                                 || ${durationWords(Prisma.sql`${request.maxLatenessMs}::bigint * interval '1 millisecond'`)}
                          WHEN decided.next_status = 'sending' THEN d.last_error
                          ELSE decided.reason END,
        workflow_id = ${request.workflowId}, run_id = ${request.runId}, updated_at = now()
    FROM decided
    WHERE d.id = decided.id
    RETURNING d.id, d.user_id, d.event_type, d.occurrence_year, d.occurrence_date, d.scheduled_at,
              d.idempotency_key, d.status, d.attempts, d.lateness_ms, decided.first_name, decided.last_name,
              decided.timezone, decided.event_date`;
  return rows.map((row) => ({
    deliveryId: row.id,
    userId: row.user_id,
    eventType: row.event_type,
    occurrenceYear: row.occurrence_year,
    occurrenceDate: row.occurrence_date.toISOString().slice(0, 10),
    scheduledAt: row.scheduled_at.toISOString(),
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempt: row.attempts,
    latenessMs: Number(row.lateness_ms ?? 0),
    firstName: row.first_name,
    lastName: row.last_name,
    timezone: row.timezone,
    // A removed anniversary's row is cancelled by the claim; its date is never used.
    eventDate: row.event_date?.toISOString().slice(0, 10) ?? '',
  }));
}

/** How one attempt of a claimed row ended, as the settle writes it. */
export interface SettledAttempt {
  deliveryId: string;
  attempt: number;
  result: 'delivered' | 'rejected' | 'retry';
  responseStatus: number | null;
  error: string | null;
  /** For `retry`: how long until the row may be claimed again. */
  retryAfterMs: number;
}

/**
 * Settles a page's attempts in one statement: a 2xx is delivered whatever the row says meanwhile (the greeting was
 * received); a rejection fails the row and a retry makes it pending again with its next attempt time, both only
 * while this attempt is still the row's claim. A user deleted while the attempt was out is not retried: cancelled.
 */
export async function settleDuePage(db: Pick<Db, '$executeRaw'>, attempts: SettledAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.$executeRaw`
    UPDATE deliveries d
    SET status = (CASE WHEN v.result = 'delivered' THEN 'delivered'
                       WHEN v.result = 'rejected' THEN 'failed'
                       WHEN u.deleted_at IS NOT NULL THEN 'cancelled'
                       ELSE 'pending' END)::delivery_status,
        delivered_at = CASE WHEN v.result = 'delivered' THEN now() ELSE d.delivered_at END,
        next_attempt_at = CASE WHEN v.result = 'retry' THEN now() + v.retry_after_ms * interval '1 millisecond'
                               ELSE d.next_attempt_at END,
        response_status = v.response_status,
        last_error = CASE WHEN v.result = 'retry' AND u.deleted_at IS NOT NULL THEN ${USER_DELETED}
                          WHEN v.result = 'delivered' THEN NULL ELSE v.error END,
        updated_at = now()
    FROM unnest(${attempts.map((a) => a.deliveryId)}::uuid[], ${attempts.map((a) => a.attempt)}::int[],
                ${attempts.map((a) => a.result)}::text[], ${attempts.map((a) => a.responseStatus)}::int[],
                ${attempts.map((a) => a.error)}::text[], ${attempts.map((a) => a.retryAfterMs)}::bigint[])
           AS v(id, attempt, result, response_status, error, retry_after_ms),
         users u
    WHERE d.id = v.id AND u.id = d.user_id
      AND (v.result = 'delivered' AND d.status <> 'delivered'
           OR d.status = 'sending' AND d.attempts = v.attempt)`;
}

/**
 * How long until the instant's next claim can find something, on the database's clock: its earliest retry, or the
 * lease end of an attempt still out (a crashed one is claimed again then). Null when every row of it is settled.
 */
export async function nextClaimOf(db: Db, dueAt: string, leaseMs: number): Promise<number | null> {
  const [row] = await db.$queryRaw<{ in_ms: number | null }[]>`
    SELECT (extract(epoch FROM min(
             CASE WHEN status = 'sending' THEN last_attempt_at + ${leaseMs} * interval '1 millisecond'
                  ELSE coalesce(next_attempt_at, scheduled_at) END) - now()) * 1000)::float8 AS in_ms
    FROM deliveries
    WHERE scheduled_at = ${dueAt}::timestamptz AND status IN ('scheduled', 'pending', 'sending')`;
  // min() over no rows is NULL: nothing left to claim.
  return row?.in_ms === null || row?.in_ms === undefined ? null : Math.max(0, Math.ceil(row.in_ms));
}

/** How long until `dueAt` on the database's clock, the one every claim judges "due" by: 0 once it has come. */
export async function msUntilDue(db: Db, dueAt: string): Promise<number> {
  const [row] = await db.$queryRaw<{ in_ms: number }[]>`
    SELECT (extract(epoch FROM ${dueAt}::timestamptz - now()) * 1000)::float8 AS in_ms`;
  return Math.max(0, Math.ceil(row?.in_ms ?? 0));
}

/**
 * The due instants that have armed rows no attempt has touched yet, from `lookbackMs` ago to `horizonMs` ahead on the
 * database's clock, earliest first (at most `limit`): the instants whose dispatchers should be running.
 */
export async function armedInstants(
  db: Db,
  window: { lookbackMs: number; horizonMs: number; limit: number },
): Promise<string[]> {
  const rows = await db.$queryRaw<{ due_at: Date }[]>`
    SELECT DISTINCT scheduled_at AS due_at FROM deliveries
    WHERE status = 'scheduled'
      AND scheduled_at BETWEEN now() - ${window.lookbackMs} * interval '1 millisecond'
                           AND now() + ${window.horizonMs} * interval '1 millisecond'
    ORDER BY due_at
    LIMIT ${window.limit}`;
  return rows.map((row) => row.due_at.toISOString());
}

/** An interval in the words the ledger's reasons use (`45 s`, `12 min`, `3 h`), as describeDuration words it. */
function durationWords(interval: Prisma.Sql): Prisma.Sql {
  const seconds = Prisma.sql`extract(epoch FROM ${interval})`;
  const minutes = Prisma.sql`round(${seconds} / 60)`;
  return Prisma.sql`(CASE WHEN ${minutes} >= 120 THEN round(${minutes} / 60.0)::text || ' h'
                          WHEN ${minutes} >= 1 THEN ${minutes}::text || ' min'
                          ELSE round(${seconds})::text || ' s' END)`;
}
