import type { Db } from '../../src/db/client';
import { claimDelivery, markDelivered } from '../../src/db/ledger';
import { readPlanInputs } from '../../src/db/plan-inputs';
import { softDeleteUser } from '../../src/db/users';
import { claimRequestFor } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// A plan reads the user and its ledger facts in one query; these are the facts it must get right.

let db: Db;
useTestDb((opened) => (db = opened));

const HOUR = 3_600_000;
const LEASE = { inFlightLeaseMs: 15_000 };

test('a user with no ledger rows: the user as saved, nothing settled, nothing stale, never paused', async () => {
  const request = await claimRequestFor(db, new Date('2026-03-01T09:00:00Z'), LEASE);
  const inputs = await readPlanInputs(db, request.userId, 'birthday', new Date('2026-03-02T09:00:00Z'));
  expect(inputs).toEqual({
    user: expect.objectContaining({ id: request.userId, pause: null }),
    lastSettledYear: null,
    hasStaleOccurrences: false,
    pauseAskedAt: null,
  });
  expect(inputs?.user.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  // Since the create, for each event: what the plan judges a passed moment by.
  expect(inputs?.user.scheduleSince).toEqual({ birthday: inputs?.user.createdAt, anniversary: inputs?.user.createdAt });
});

test('the latest delivered year counts as settled; a row still sending is stale only once due before the limit', async () => {
  const dueLastYear = new Date('2025-03-01T09:00:00Z');
  const delivered = await claimRequestFor(db, dueLastYear, LEASE);
  const claim = await claimDelivery(db, delivered, dueLastYear);
  if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
  await markDelivered(db, claim.deliveryId, { responseStatus: 200, error: null }, dueLastYear);
  const dueNow = new Date('2026-03-01T09:00:00Z');
  await claimDelivery(
    db,
    {
      ...delivered,
      occurrenceYear: 2026,
      occurrenceDate: '2026-03-01',
      scheduledAt: dueNow.toISOString(),
      idempotencyKey: `birthday-2026-${delivered.userId}`,
    },
    dueNow,
  );

  const before = await readPlanInputs(db, delivered.userId, 'birthday', new Date(dueNow.getTime() - HOUR));
  expect(before).toMatchObject({ lastSettledYear: 2025, hasStaleOccurrences: false });
  const after = await readPlanInputs(db, delivered.userId, 'birthday', new Date(dueNow.getTime() + HOUR));
  expect(after).toMatchObject({ lastSettledYear: 2025, hasStaleOccurrences: true });
  // No lateness limit: nothing is ever stale.
  expect(await readPlanInputs(db, delivered.userId, 'birthday', null)).toMatchObject({ hasStaleOccurrences: false });
});

test('a deleted user has nothing to plan', async () => {
  const request = await claimRequestFor(db, new Date('2026-03-01T09:00:00Z'), LEASE);
  await softDeleteUser(db, request.userId, new Date());
  expect(await readPlanInputs(db, request.userId, 'birthday', null)).toBeNull();
});
