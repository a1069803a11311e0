import type { Db } from '../../src/db/client';
import { toDeliveryView } from '../../src/db/deliveries';
import { claimDelivery, type ClaimRequest } from '../../src/db/ledger';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// Lateness is kept in milliseconds; a year of them does not fit a 32-bit column.
let db: Db;
useTestDb((opened) => (db = opened));

const DAY_MS = 86_400_000;

async function claimDueAgo(lateByMs: number, maxLatenessMs: number | null) {
  const now = new Date();
  const user = await createUserRow(db, personWithBirthdayIn(0, now.getTime(), 'UTC'));
  const scheduledAt = new Date(now.getTime() - lateByMs);
  const request: ClaimRequest = {
    userId: user.id,
    eventType: 'birthday',
    occurrenceYear: scheduledAt.getUTCFullYear(),
    occurrenceDate: scheduledAt.toISOString().slice(0, 10),
    scheduledAt: scheduledAt.toISOString(),
    idempotencyKey: `birthday-${scheduledAt.getUTCFullYear()}-${user.id}`,
    workflowId: `birthday-${user.id}`,
    runId: 'run-1',
    inFlightLeaseMs: 60_000,
    maxLatenessMs,
  };
  const claim = await claimDelivery(db, request, now);
  const row = await db.delivery.findFirstOrThrow({ where: { userId: user.id } });
  return { claim, row };
}

test('an attempt a year late (an operator re-driving last year) is claimed and its lateness recorded exactly', async () => {
  const yearMs = 365 * DAY_MS;
  const { claim, row } = await claimDueAgo(yearMs, null);
  expect(claim).toMatchObject({ kind: 'claimed', latenessMs: yearMs });
  expect(row.status).toBe('sending');
  expect(toDeliveryView(row).latenessMs).toBe(yearMs);
});

test('an occurrence 40 days past due under a 24 h limit is recorded as missed with its lateness', async () => {
  const { claim, row } = await claimDueAgo(40 * DAY_MS, DAY_MS);
  expect(claim).toMatchObject({ kind: 'missed', latenessMs: 40 * DAY_MS });
  expect(row.status).toBe('missed');
  expect(toDeliveryView(row).latenessMs).toBe(40 * DAY_MS);
  expect(row.lastError).toMatch(/late, over the limit/);
});
