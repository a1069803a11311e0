import type { Db } from './client';
import type { EventType } from '../greetings/message';

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
}

export interface Recipient {
  firstName: string;
  lastName: string;
}

export type ClaimResult =
  | { kind: 'claimed'; deliveryId: string; attempt: number; recipient: Recipient }
  | { kind: 'already-delivered'; deliveryId: string }
  | { kind: 'in-flight'; deliveryId: string }
  | { kind: 'user-deleted'; deliveryId: string | null };

interface LockedUser {
  first_name: string;
  last_name: string;
  deleted_at: Date | null;
}

interface LockedDelivery {
  id: string;
  status: string;
  attempts: number;
  last_attempt_at: Date | null;
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
      SELECT first_name, last_name, deleted_at FROM users WHERE id = ${request.userId}::uuid FOR SHARE`;

    await tx.$executeRaw`
      INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, status,
                              idempotency_key, workflow_id, run_id, updated_at)
      SELECT gen_random_uuid(), ${request.userId}::uuid, ${request.eventType}::event_type, ${request.occurrenceYear},
             ${request.occurrenceDate}::date, ${request.scheduledAt}::timestamptz, 'pending', ${request.idempotencyKey},
             ${request.workflowId}, ${request.runId}, ${now}
      WHERE EXISTS (SELECT 1 FROM users WHERE id = ${request.userId}::uuid)
      ON CONFLICT (user_id, event_type, occurrence_year) DO NOTHING`;

    const [row] = await tx.$queryRaw<LockedDelivery[]>`
      SELECT id, status::text AS status, attempts, last_attempt_at FROM deliveries
      WHERE user_id = ${request.userId}::uuid AND event_type = ${request.eventType}::event_type
        AND occurrence_year = ${request.occurrenceYear}
      FOR UPDATE`;

    if (!user || !row) return { kind: 'user-deleted', deliveryId: null };
    if (row.status === 'delivered') return { kind: 'already-delivered', deliveryId: row.id };
    if (user.deleted_at) {
      await tx.delivery.update({
        where: { id: row.id },
        data: { status: 'cancelled', lastError: 'user deleted before delivery' },
      });
      return { kind: 'user-deleted', deliveryId: row.id };
    }
    const leaseStillHeld =
      row.status === 'sending' &&
      row.last_attempt_at !== null &&
      now.getTime() - row.last_attempt_at.getTime() < request.inFlightLeaseMs;
    if (leaseStillHeld) return { kind: 'in-flight', deliveryId: row.id };

    const claimed = await tx.delivery.update({
      where: { id: row.id },
      data: {
        status: 'sending',
        attempts: { increment: 1 },
        lastAttemptAt: now,
        firstAttemptAt: row.attempts === 0 ? now : undefined,
        workflowId: request.workflowId,
        runId: request.runId,
      },
    });
    return {
      kind: 'claimed',
      deliveryId: row.id,
      attempt: claimed.attempts,
      recipient: { firstName: user.first_name, lastName: user.last_name },
    };
  });
}

export interface AttemptResult {
  responseStatus: number | null;
  error: string | null;
}

/** The receiver answered 2xx: the occurrence is done for good. */
export async function markDelivered(db: Db, deliveryId: string, result: AttemptResult, now: Date): Promise<void> {
  await db.delivery.update({
    where: { id: deliveryId },
    data: { status: 'delivered', deliveredAt: now, responseStatus: result.responseStatus, lastError: null },
  });
}

/** The attempt failed in a way worth retrying: the row waits for the next attempt. */
export async function markRetryPending(db: Db, deliveryId: string, result: AttemptResult): Promise<void> {
  await db.delivery.updateMany({
    where: { id: deliveryId, status: 'sending' },
    data: { status: 'pending', responseStatus: result.responseStatus, lastError: result.error },
  });
}

/** No more attempts will be made (rejected by the receiver, or retries exhausted). Never overrides a delivery. */
export async function markFailed(db: Db, key: OccurrenceKey, result: AttemptResult): Promise<void> {
  await db.delivery.updateMany({
    where: {
      userId: key.userId,
      eventType: key.eventType,
      occurrenceYear: key.occurrenceYear,
      status: { in: ['pending', 'sending'] },
    },
    data: {
      status: 'failed',
      lastError: result.error,
      ...(result.responseStatus !== null ? { responseStatus: result.responseStatus } : {}),
    },
  });
}
