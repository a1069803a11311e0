import type { Db } from '../../src/db/client';
import { claimDelivery, markDelivered, reopenDelivery, type ClaimRequest } from '../../src/db/ledger';
import { readPlanInputs } from '../../src/db/plan-inputs';
import { pauseUser, resumeUser } from '../../src/db/users';
import { claimRequestFor } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// A paused user's occurrence is settled as skipped when it comes due: nothing is sent, the reason is kept, and the
// year counts as settled. An operator may re-drive it like a failed or missed one.

let db: Db;
useTestDb((opened) => (db = opened));

const LEASE_MS = 15_000;

function occurrence(scheduledAt: Date): Promise<ClaimRequest> {
  return claimRequestFor(db, scheduledAt, { inFlightLeaseMs: LEASE_MS });
}

const rowOf = (request: ClaimRequest) => db.delivery.findFirstOrThrow({ where: { userId: request.userId } });

test('a paused user: the claim records the occurrence as skipped with the reason, and the year is settled', async () => {
  const due = new Date();
  const request = await occurrence(due);
  await pauseUser(db, request.userId, 'on leave', new Date(due.getTime() - 60_000), false);

  const claim = await claimDelivery(db, request, due);

  expect(claim).toEqual({ kind: 'skipped', deliveryId: expect.any(String), reason: 'on leave' });
  expect(await rowOf(request)).toMatchObject({
    status: 'skipped',
    lastError: 'paused: on leave',
    attempts: 0,
    scheduledAt: due,
  });
  expect((await readPlanInputs(db, request.userId, 'birthday', null))?.lastSettledYear).toBe(request.occurrenceYear);
});

test('a pause without a reason is recorded as "paused"', async () => {
  const due = new Date();
  const request = await occurrence(due);
  await pauseUser(db, request.userId, null, due, false);

  expect(await claimDelivery(db, request, due)).toMatchObject({ kind: 'skipped', reason: null });
  expect(await rowOf(request)).toMatchObject({ status: 'skipped', lastError: 'paused' });
});

test('a skipped occurrence stays closed after the user resumes: a later claim sends nothing', async () => {
  const due = new Date();
  const request = await occurrence(due);
  await pauseUser(db, request.userId, null, due, false);
  await claimDelivery(db, request, due);
  await resumeUser(db, request.userId, new Date(), false);

  expect(await claimDelivery(db, request, new Date())).toMatchObject({ kind: 'closed', status: 'skipped' });
});

test('a delivered occurrence stays delivered when the user pauses afterwards', async () => {
  const due = new Date();
  const request = await occurrence(due);
  const claim = await claimDelivery(db, request, due);
  if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
  await markDelivered(db, claim.deliveryId, { responseStatus: 200, error: null }, new Date());
  await pauseUser(db, request.userId, null, new Date(), false);

  expect(await claimDelivery(db, request, new Date())).toMatchObject({ kind: 'already-delivered' });
  expect(await rowOf(request)).toMatchObject({ status: 'delivered' });
});

test('an attempt still sending keeps its claim: a pause meanwhile makes the next attempt back off, not skip', async () => {
  const due = new Date();
  const request = await occurrence(due);
  expect(await claimDelivery(db, request, due)).toMatchObject({ kind: 'claimed' });
  await pauseUser(db, request.userId, null, new Date(), false);

  expect(await claimDelivery(db, request, new Date(due.getTime() + 1_000))).toMatchObject({ kind: 'in-flight' });
  expect(await rowOf(request)).toMatchObject({ status: 'sending' });
});

test('a re-drive reopens a skipped occurrence: skipped again while paused, claimed once resumed', async () => {
  const due = new Date();
  const request = await occurrence(due);
  await pauseUser(db, request.userId, 'on leave', due, false);
  await claimDelivery(db, request, due);

  expect(await reopenDelivery(db, request)).toMatchObject({ status: 'skipped' });
  expect(await claimDelivery(db, request, new Date())).toMatchObject({ kind: 'skipped', reason: 'on leave' });

  await resumeUser(db, request.userId, new Date(), false);
  expect(await reopenDelivery(db, request)).toMatchObject({ status: 'skipped' });
  expect(await claimDelivery(db, request, new Date())).toMatchObject({ kind: 'claimed', attempt: 1 });
});
