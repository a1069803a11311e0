import type { Db } from '../../src/db/client';
import {
  cancelPendingOccurrences,
  claimDelivery,
  EVENT_REMOVED,
  markDelivered,
  markFailed,
  markRejected,
  markRetryPending,
  reopenDelivery,
  type ClaimRequest,
} from '../../src/db/ledger';
import { softDeleteUser } from '../../src/db/users';
import { idempotencyKeyFor } from '../../src/greetings/ids';
import { claimRequestFor, createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// Every ledger transition after a claim is a compare-and-set on the claim it belongs to (the row's attempt number),
// so an attempt that outlived its lease can never undo what a newer attempt or an operator did.

let db: Db;
useTestDb((opened) => (db = opened));

const LEASE_MS = 15_000;
const HOUR_MS = 3_600_000;
const answer500 = { responseStatus: 500, error: 'attempt: webhook answered HTTP 500' };

/** A live user due at `scheduledAt`, and the claim request of that occurrence. */
function occurrence(scheduledAt: Date, maxLatenessMs: number | null = null): Promise<ClaimRequest> {
  return claimRequestFor(db, scheduledAt, { inFlightLeaseMs: LEASE_MS, maxLatenessMs });
}

async function claimed(request: ClaimRequest, at: Date) {
  const claim = await claimDelivery(db, request, at);
  if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
  return claim;
}

const rowOf = (request: ClaimRequest) => db.delivery.findFirstOrThrow({ where: { userId: request.userId } });

test("a stale attempt's retryable failure does not reopen the row a newer attempt is sending", async () => {
  const due = new Date();
  const request = await occurrence(due);
  const first = await claimed(request, due);
  // The first attempt's worker hangs past its lease; a second attempt takes the occurrence over.
  const second = await claimed(request, new Date(due.getTime() + LEASE_MS + 1));

  await markRetryPending(db, first.deliveryId, first.attempt, answer500, 10_000);
  expect(await rowOf(request)).toMatchObject({ status: 'sending', attempts: 2 });

  await markRetryPending(db, second.deliveryId, second.attempt, answer500, 10_000);
  expect(await rowOf(request)).toMatchObject({ status: 'pending', attempts: 2, responseStatus: 500 });
});

test("a stale attempt's rejection does not fail the row a newer attempt is sending", async () => {
  const due = new Date();
  const request = await occurrence(due);
  const first = await claimed(request, due);
  const second = await claimed(request, new Date(due.getTime() + LEASE_MS + 1));

  await markRejected(db, first.deliveryId, first.attempt, { responseStatus: 410, error: 'gone' });
  expect(await rowOf(request)).toMatchObject({ status: 'sending', attempts: 2 });

  await markRejected(db, second.deliveryId, second.attempt, { responseStatus: 410, error: 'gone' });
  expect(await rowOf(request)).toMatchObject({ status: 'failed', responseStatus: 410 });
});

test('a 2xx is the truth whichever attempt got it, and a later failure never turns a delivery back', async () => {
  const due = new Date();
  const request = await occurrence(due);
  const first = await claimed(request, due);
  const second = await claimed(request, new Date(due.getTime() + LEASE_MS + 1));

  await markDelivered(db, first.deliveryId, { responseStatus: 200, error: null }, new Date());
  await markRetryPending(db, second.deliveryId, second.attempt, answer500, 10_000);
  await markRejected(db, second.deliveryId, second.attempt, { responseStatus: 400, error: 'bad' });
  await markFailed(db, request, { responseStatus: null, error: 'gave up' });

  expect(await rowOf(request)).toMatchObject({ status: 'delivered', responseStatus: 200, lastError: null });
});

test('a re-drive racing a late 2xx leaves the row delivered, so nothing is sent twice', async () => {
  const due = new Date();
  const request = await occurrence(due);
  const attempt = await claimed(request, due);
  await markFailed(db, request, { responseStatus: null, error: 'retries exhausted' });

  // A late 2xx is being recorded (its transaction holds the row) while an operator re-drives the occurrence.
  let reopened: ReturnType<typeof reopenDelivery> | undefined;
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE deliveries SET status = 'delivered' WHERE id = ${attempt.deliveryId}::uuid`;
    reopened = reopenDelivery(db, request);
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  expect(await reopened).toMatchObject({ status: 'delivered' });
  expect(await rowOf(request)).toMatchObject({ status: 'delivered' });
});

test('DELETE cancels a row left sending by a crashed attempt; that attempt answering later keeps it cancelled', async () => {
  const due = new Date();
  const request = await occurrence(due);
  const attempt = await claimed(request, due);

  expect(await softDeleteUser(db, request.userId, new Date())).toBe(true);
  expect(await rowOf(request)).toMatchObject({ status: 'cancelled' });

  await markRetryPending(db, attempt.deliveryId, attempt.attempt, answer500, 10_000);
  expect(await rowOf(request)).toMatchObject({ status: 'cancelled', responseStatus: 500 });
});

test('an anniversary removed while its attempt is sending, then added back the same year, is sent: the late 5xx keeps the removal as the reason', async () => {
  const due = new Date();
  const user = await createUserRow(db, {
    ...personWithBirthdayIn(0, due.getTime(), 'UTC'),
    anniversary: due.toISOString().slice(0, 10),
  });
  const year = due.getUTCFullYear();
  const request: ClaimRequest = {
    userId: user.id,
    eventType: 'anniversary',
    occurrenceYear: year,
    occurrenceDate: due.toISOString().slice(0, 10),
    scheduledAt: due.toISOString(),
    idempotencyKey: idempotencyKeyFor(user.id, 'anniversary', year),
    workflowId: `anniversary-${user.id}`,
    runId: 'run',
    inFlightLeaseMs: LEASE_MS,
    maxLatenessMs: null,
  };
  const attempt = await claimed(request, due);

  // The PUT that removes the anniversary cancels the row being sent; the attempt's 5xx arrives after.
  await db.user.update({ where: { id: user.id }, data: { anniversary: null } });
  await cancelPendingOccurrences(db, { userId: user.id, eventType: 'anniversary' });
  await markRetryPending(db, attempt.deliveryId, attempt.attempt, answer500, 10_000);
  expect(await rowOf(request)).toMatchObject({ status: 'cancelled', lastError: EVENT_REMOVED });

  // Added back: the next claim sends it (the year is not lost).
  await db.user.update({ where: { id: user.id }, data: { anniversary: due } });
  const again = await claimDelivery(db, { ...request, workflowId: 'next-run' }, new Date(due.getTime() + LEASE_MS + 1));
  expect(again).toMatchObject({ kind: 'claimed', attempt: 2 });
});

test('an occurrence re-planned for a later instant is re-timed: its lateness is judged against the new instant', async () => {
  const firstPlan = new Date(Date.now() - 3 * HOUR_MS);
  const request = await occurrence(firstPlan, HOUR_MS);
  const attempt = await claimed(request, firstPlan);
  await markRetryPending(db, attempt.deliveryId, attempt.attempt, answer500, 10_000);

  // The user moved east meanwhile: the same year's greeting is now due a minute ago, not three hours ago.
  const replanned = new Date(Date.now() - 60_000);
  const claim = await claimDelivery(db, { ...request, scheduledAt: replanned.toISOString() }, new Date());

  expect(claim).toMatchObject({ kind: 'claimed' });
  const row = await rowOf(request);
  expect(row.scheduledAt.toISOString()).toBe(replanned.toISOString());
  expect(Number(row.latenessMs)).toBeLessThan(2 * 60_000);
});
