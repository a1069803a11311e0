import type { EventType } from '../domain/event-type';
import type { Db } from './client';
import { eventStrategy } from '../greetings/events';

/** The occurrence an activity attempt works on: the ledger row's unique key plus what the row records. */
export interface OccurrenceKey {
  userId: string;
  eventType: EventType;
  occurrenceYear: number;
}

export interface ClaimRequest extends OccurrenceKey {
  occurrenceDate: string;
  scheduledAt: string;
  idempotencyKey: string;
  workflowId: string;
  runId: string;
  /** An attempt that started this long ago and never reported back is taken to have crashed. */
  inFlightLeaseMs: number;
  /** Beyond this lateness the occurrence is recorded as missed and nothing is sent; null means no limit. */
  maxLatenessMs: number | null;
}

export interface Recipient {
  firstName: string;
  lastName: string;
}

export type ClaimResult =
  | { kind: 'claimed'; deliveryId: string; attempt: number; recipient: Recipient; latenessMs: number }
  /** Delivered already; `by` is the workflow whose attempt delivered it (a dispatcher, or the user's own run). */
  | { kind: 'already-delivered'; deliveryId: string; by: string; deliveredAt: string | null; latenessMs: number | null }
  | { kind: 'in-flight'; deliveryId: string }
  /** The user is deleted, or no longer has this event (an anniversary removed): the row is cancelled. */
  | { kind: 'user-deleted'; deliveryId: string | null }
  /** Recorded as missed now: it is later than the lateness limit. */
  | { kind: 'missed'; deliveryId: string; latenessMs: number }
  /** Recorded as skipped now: the user is paused. `reason` is the pause's, if one was given. */
  | { kind: 'skipped'; deliveryId: string; reason: string | null }
  /** Closed earlier as failed, missed or skipped; only an explicit re-drive reopens it. */
  | { kind: 'closed'; deliveryId: string; status: string };

/**
 * Statuses after which no attempt is made unless an operator re-drives the occurrence. Each settles its year: the
 * next plan starts after it.
 */
export const CLOSED_STATUSES = ['failed', 'missed', 'skipped'] as const;

interface LockedUser {
  first_name: string;
  last_name: string;
  birthday: Date;
  anniversary: Date | null;
  deleted_at: Date | null;
  paused_at: Date | null;
  pause_reason: string | null;
}

interface LockedDelivery {
  id: string;
  status: string;
  attempts: number;
  scheduled_at: Date;
  last_attempt_at: Date | null;
  last_error: string | null;
  workflow_id: string;
  delivered_at: Date | null;
  lateness_ms: bigint | null;
  /**
   * Another workflow's failed attempt (the dispatcher's, or the run's seen by the dispatcher) set a backoff that has
   * not run out on the database's clock; a run's own retries are timed by its retry policy.
   */
  backing_off: boolean;
}

export const USER_DELETED = 'user deleted before delivery';
export const EVENT_REMOVED = 'event removed from the user before delivery';

function eventDateOf(user: LockedUser, eventType: EventType): string | null {
  const day = (date: Date | null) => date && date.toISOString().slice(0, 10);
  return eventStrategy(eventType).dateOf({ birthday: day(user.birthday)!, anniversary: day(user.anniversary) });
}

/**
 * Claims the occurrence's ledger row for one webhook attempt, in one transaction: the user row is share-locked so a
 * DELETE either commits before (we send nothing) or waits until the claim is recorded (this attempt is the
 * in-flight one); the ledger row is created once per (user, event, year) and row-locked so two attempts never
 * both claim it.
 */
export async function claimDelivery(db: Db, request: ClaimRequest, now: Date): Promise<ClaimResult> {
  return db.$transaction(async (tx) => {
    const [user] = await tx.$queryRaw<LockedUser[]>`
      SELECT first_name, last_name, birthday, anniversary, deleted_at, paused_at, pause_reason FROM users
      WHERE id = ${request.userId}::uuid FOR SHARE`;

    await tx.$executeRaw`
      INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, status,
                              idempotency_key, workflow_id, run_id, updated_at)
      SELECT gen_random_uuid(), ${request.userId}::uuid, ${request.eventType}::event_type, ${request.occurrenceYear},
             ${request.occurrenceDate}::date, ${request.scheduledAt}::timestamptz, 'pending', ${request.idempotencyKey},
             ${request.workflowId}, ${request.runId}, ${now}
      WHERE EXISTS (SELECT 1 FROM users WHERE id = ${request.userId}::uuid)
      ON CONFLICT (user_id, event_type, occurrence_year) DO NOTHING`;

    const [row] = await tx.$queryRaw<LockedDelivery[]>`
      SELECT id, status::text AS status, attempts, scheduled_at, last_attempt_at, last_error, workflow_id, delivered_at,
             lateness_ms,
             (status = 'pending' AND next_attempt_at > now() AND workflow_id <> ${request.workflowId}) AS backing_off
      FROM deliveries
      WHERE user_id = ${request.userId}::uuid AND event_type = ${request.eventType}::event_type
        AND occurrence_year = ${request.occurrenceYear}
      FOR UPDATE`;

    if (!user || !row) return { kind: 'user-deleted', deliveryId: null };
    if (row.status === 'delivered') {
      return {
        kind: 'already-delivered',
        deliveryId: row.id,
        by: row.workflow_id,
        deliveredAt: row.delivered_at?.toISOString() ?? null,
        latenessMs: row.lateness_ms === null ? null : Number(row.lateness_ms),
      };
    }
    // A user deleted, or an event removed (PUT without the anniversary), before the greeting went out: never sent.
    const gone = user.deleted_at ? USER_DELETED : eventDateOf(user, request.eventType) === null ? EVENT_REMOVED : null;
    if (gone) {
      if (row.status !== 'cancelled') {
        await tx.delivery.update({ where: { id: row.id }, data: { status: 'cancelled', lastError: gone } });
      }
      return { kind: 'user-deleted', deliveryId: row.id };
    }
    // Cancelled because the event was removed, and the event is back since: the occurrence is due again.
    const cancelledForGood = row.status === 'cancelled' && row.last_error !== EVENT_REMOVED;
    if ((CLOSED_STATUSES as readonly string[]).includes(row.status) || cancelledForGood) {
      return { kind: 'closed', deliveryId: row.id, status: row.status };
    }
    // Another attempt is sending it: this one backs off, whatever else holds.
    const leaseStillHeld =
      row.status === 'sending' &&
      row.last_attempt_at !== null &&
      now.getTime() - row.last_attempt_at.getTime() < request.inFlightLeaseMs;
    // So is an attempt whose backoff has not run out: the next one waits for it, whoever makes it.
    if (leaseStillHeld || row.backing_off) return { kind: 'in-flight', deliveryId: row.id };

    // The due moment is this attempt's plan: a run that re-planned the year (a new date or zone) re-times the row, so
    // lateness is judged against the instant the greeting is really due now.
    const scheduledAt = new Date(request.scheduledAt);
    const timing = { scheduledAt, occurrenceDate: new Date(`${request.occurrenceDate}T00:00:00Z`) };
    // Paused when it came due (or when an operator re-drove it): settled as skipped, the reason kept, nothing sent.
    if (user.paused_at) {
      const reason = user.pause_reason;
      await tx.delivery.update({
        where: { id: row.id },
        data: { ...timing, status: 'skipped', lastError: reason === null ? 'paused' : `paused: ${reason}` },
      });
      return { kind: 'skipped', deliveryId: row.id, reason };
    }
    // An attempt ahead of the due moment (clock skew between machines) counts as on time.
    const latenessMs = Math.max(0, now.getTime() - scheduledAt.getTime());
    if (request.maxLatenessMs !== null && latenessMs > request.maxLatenessMs) {
      await tx.delivery.update({
        where: { id: row.id },
        data: {
          ...timing,
          status: 'missed',
          latenessMs,
          lastError: `not sent: ${describeDuration(latenessMs)} late, over the limit of ${describeDuration(request.maxLatenessMs)}`,
        },
      });
      return { kind: 'missed', deliveryId: row.id, latenessMs };
    }
    const claimed = await tx.delivery.update({
      where: { id: row.id },
      data: {
        ...timing,
        status: 'sending',
        attempts: { increment: 1 },
        lastAttemptAt: now,
        firstAttemptAt: row.attempts === 0 ? now : undefined,
        latenessMs,
        workflowId: request.workflowId,
        runId: request.runId,
      },
    });
    return {
      kind: 'claimed',
      deliveryId: row.id,
      attempt: claimed.attempts,
      recipient: { firstName: user.first_name, lastName: user.last_name },
      latenessMs,
    };
  });
}

/**
 * An operator's re-drive: a failed, missed or skipped occurrence becomes pending again so the next claim may send it
 * (a user still paused gets it skipped again).
 * Returns the row's due data, or null when there is nothing to re-drive (unknown, delivered, or already pending).
 */
export async function reopenDelivery(
  db: Db,
  key: OccurrenceKey,
): Promise<{ deliveryId: string; occurrenceDate: string; scheduledAt: string; status: string } | null> {
  return db.$transaction(async (tx) => {
    // Locked, so a late attempt recording its 2xx meanwhile is seen here and the row is not reopened after it.
    const [row] = await tx.$queryRaw<{ id: string; status: string; occurrence_date: Date; scheduled_at: Date }[]>`
      SELECT id, status::text AS status, occurrence_date, scheduled_at FROM deliveries
      WHERE user_id = ${key.userId}::uuid AND event_type = ${key.eventType}::event_type
        AND occurrence_year = ${key.occurrenceYear}
      FOR UPDATE`;
    if (!row) return null;
    if ((CLOSED_STATUSES as readonly string[]).includes(row.status)) {
      await tx.delivery.update({ where: { id: row.id }, data: { status: 'pending', nextAttemptAt: null } });
    }
    return {
      deliveryId: row.id,
      occurrenceDate: row.occurrence_date.toISOString().slice(0, 10),
      scheduledAt: row.scheduled_at.toISOString(),
      status: row.status,
    };
  });
}

function describeDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return minutes >= 1 ? `${minutes} min` : `${Math.round(ms / 1000)} s`;
  return `${Math.round(minutes / 60)} h`;
}

export interface AttemptResult {
  responseStatus: number | null;
  error: string | null;
}

/**
 * The receiver answered 2xx: the occurrence is done for good, whichever attempt got the answer and whatever the row
 * said meanwhile (the greeting was received). The first delivery recorded stays as it is.
 */
export async function markDelivered(db: Db, deliveryId: string, result: AttemptResult, now: Date): Promise<void> {
  await db.delivery.updateMany({
    where: { id: deliveryId, status: { not: 'delivered' } },
    data: { status: 'delivered', deliveredAt: now, responseStatus: result.responseStatus, lastError: null },
  });
}

/**
 * Attempt `attempt` failed in a way worth retrying: the row waits for the next attempt, or is cancelled if the user
 * was deleted while the attempt was in flight (no attempt will follow). Only while that attempt is still the row's
 * claim: one that outlived its lease must not reopen a row a newer attempt is sending.
 */
export async function markRetryPending(
  db: Db,
  deliveryId: string,
  attempt: number,
  result: AttemptResult,
  retryAfterMs: number,
): Promise<void> {
  // The backoff holds the row for the instant's dispatcher; the run that made the attempt times its own next one.
  await db.$executeRaw`
    UPDATE deliveries d
    SET status = (CASE WHEN d.status = 'sending' AND u.deleted_at IS NULL THEN 'pending' ELSE 'cancelled' END)::delivery_status,
        response_status = ${result.responseStatus}, updated_at = now(),
        -- A row cancelled while the attempt was out keeps why (an event removed may come back and reopen it).
        last_error = CASE WHEN d.status = 'cancelled' THEN d.last_error ELSE ${result.error} END,
        next_attempt_at = now() + ${retryAfterMs} * interval '1 millisecond'
    FROM users u
    WHERE d.id = ${deliveryId}::uuid AND d.attempts = ${attempt} AND d.status IN ('sending', 'cancelled')
      AND u.id = d.user_id`;
}

/** The receiver refused attempt `attempt` (a 4xx that will not change): failed, if that attempt is still the claim. */
export async function markRejected(db: Db, deliveryId: string, attempt: number, result: AttemptResult): Promise<void> {
  await db.delivery.updateMany({
    where: { id: deliveryId, attempts: attempt, status: 'sending' },
    data: { status: 'failed', lastError: result.error, responseStatus: result.responseStatus },
  });
}

/**
 * The workflow gave up on the occurrence (retries exhausted): no more attempts. Never overrides a delivery. The
 * last attempt's error stays beside the reason (`<reason>; last attempt: <error>`), so the row says what the receiver
 * last answered.
 */
export async function markFailed(db: Db, key: OccurrenceKey, result: AttemptResult): Promise<void> {
  await db.$executeRaw`
    UPDATE deliveries
    SET status = 'failed',
        last_error = CASE WHEN last_error IS NULL OR last_error = ${result.error} THEN ${result.error}
                          ELSE ${result.error} || '; last attempt: ' || last_error END,
        response_status = COALESCE(${result.responseStatus}::int, response_status), updated_at = now()
    WHERE user_id = ${key.userId}::uuid AND event_type = ${key.eventType}::event_type
      AND occurrence_year = ${key.occurrenceYear} AND status IN ('pending', 'sending')`;
}

/**
 * The user no longer has this event (an anniversary removed): occurrences waiting for an attempt will get none.
 * One being sent is cancelled too, as a DELETE does; an attempt still running records a 2xx as delivered.
 */
export async function cancelPendingOccurrences(
  db: Pick<Db, 'delivery'>,
  key: Omit<OccurrenceKey, 'occurrenceYear'>,
): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: { userId: key.userId, eventType: key.eventType, status: { in: ['scheduled', 'pending', 'sending'] } },
    data: { status: 'cancelled', lastError: EVENT_REMOVED },
  });
  return count;
}

/**
 * Occurrences due before `dueBefore` that no attempt settled (a run terminated or reset mid-delivery, a worker
 * killed while sending) are recorded as missed: they will never be sent, and no row stays pending or sending for
 * ever. A late attempt that still gets a 2xx records it as delivered all the same (markDelivered).
 */
export async function settleStaleOccurrences(
  db: Db,
  key: Omit<OccurrenceKey, 'occurrenceYear'>,
  dueBefore: Date,
): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: {
      userId: key.userId,
      eventType: key.eventType,
      status: { in: ['pending', 'sending'] },
      scheduledAt: { lt: dueBefore },
    },
    data: { status: 'missed', lastError: 'no attempt settled it within the lateness limit; not sent' },
  });
  return count;
}

export interface MissedOccurrence extends OccurrenceKey {
  occurrenceDate: string;
  scheduledAt: string;
  idempotencyKey: string;
  workflowId: string;
  runId: string;
  latenessMs: number;
  maxLatenessMs: number;
}

/**
 * A due moment no run was there to send (Temporal's store was lost, or every run was gone, for longer than the
 * lateness limit): the year is recorded as missed, so the ledger says why nothing went out and the year counts as
 * settled. A row the year already has (delivered, or left pending by an attempt) is left to its own rules.
 */
export async function recordMissedOccurrence(db: Db, occurrence: MissedOccurrence): Promise<boolean> {
  const reason = `not sent: no run was there at the due moment; ${describeDuration(occurrence.latenessMs)} late, over the limit of ${describeDuration(occurrence.maxLatenessMs)}`;
  const inserted = await db.$executeRaw`
    INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, status,
                            idempotency_key, workflow_id, run_id, lateness_ms, last_error, updated_at)
    VALUES (gen_random_uuid(), ${occurrence.userId}::uuid, ${occurrence.eventType}::event_type,
            ${occurrence.occurrenceYear}, ${occurrence.occurrenceDate}::date, ${occurrence.scheduledAt}::timestamptz,
            'missed', ${occurrence.idempotencyKey}, ${occurrence.workflowId}, ${occurrence.runId},
            ${occurrence.latenessMs}, ${reason}, now())
    ON CONFLICT (user_id, event_type, occurrence_year) DO NOTHING`;
  return inserted > 0;
}
