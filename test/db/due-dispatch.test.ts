import type { Db } from '../../src/db/client';
import { armOccurrence } from '../../src/db/armed-occurrences';
import { claimDuePage, nextClaimOf, settleDuePage, type DuePageRequest } from '../../src/db/due-dispatch';
import { claimDelivery } from '../../src/db/ledger';
import { pauseUser, softDeleteUser } from '../../src/db/users';
import type { EventType } from '../../src/domain/event-type';
import { idempotencyKeyFor } from '../../src/greetings/ids';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// The dispatcher's claim and settle, on the database's own clock: every rule of a user's own claim, for a page of
// rows in one statement each.

let db: Db;
useTestDb((opened) => (db = opened));

const LEASE_MS = 15_000;
let instantCounter = 0;

/** An instant of its own for each test (the claim serves one instant), `agoMs` before the database's now. */
async function instant(agoMs: number): Promise<string> {
  instantCounter += 1;
  const [row] = await db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return new Date(row!.now.getTime() - agoMs - instantCounter * 1_000).toISOString();
}

/** `count` users armed for `dueAt`. */
async function armedUsers(dueAt: string, count: number, eventType: EventType = 'birthday'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const person = personWithBirthdayIn(0, Date.parse(dueAt), 'UTC');
    const user = await createUserRow(
      db,
      eventType === 'anniversary' ? { ...person, anniversary: person.birthday } : person,
    );
    await armOccurrence(db, {
      userId: user.id,
      eventType,
      occurrenceYear: new Date(dueAt).getUTCFullYear(),
      occurrenceDate: dueAt.slice(0, 10),
      scheduledAt: dueAt,
      idempotencyKey: idempotencyKeyFor(user.id, eventType, new Date(dueAt).getUTCFullYear()),
      workflowId: `${eventType}-${user.id}`,
      runId: 'run-of-the-plan',
    });
    ids.push(user.id);
  }
  return ids;
}

function request(dueAt: string, fields: Partial<DuePageRequest> = {}): DuePageRequest {
  return {
    dueAt,
    pageSize: 100,
    workflowId: `dispatch-${dueAt}`,
    runId: 'dispatch-run',
    leaseMs: LEASE_MS,
    maxLatenessMs: null,
    ...fields,
  };
}

const rowOf = (userId: string) => db.delivery.findFirstOrThrow({ where: { userId } });

test('an instant still ahead on the database clock is never claimed early', async () => {
  const ahead = await instant(-60_000);
  await armedUsers(ahead, 2);
  expect(await claimDuePage(db, request(ahead))).toEqual([]);
});

test('due rows are claimed once, in pages, with the attempt counted and the dispatch run recorded', async () => {
  const dueAt = await instant(0);
  const users = await armedUsers(dueAt, 5);

  const first = await claimDuePage(db, request(dueAt, { pageSize: 3 }));
  const second = await claimDuePage(db, request(dueAt, { pageSize: 3 }));
  const third = await claimDuePage(db, request(dueAt, { pageSize: 3 }));

  expect([first.length, second.length, third.length]).toEqual([3, 2, 0]);
  const claimed = [...first, ...second];
  expect(new Set(claimed.map((row) => row.userId))).toEqual(new Set(users));
  for (const row of claimed) expect(row).toMatchObject({ status: 'sending', attempt: 1, firstName: 'Ada' });
  expect(await rowOf(users[0]!)).toMatchObject({ status: 'sending', attempts: 1, workflowId: `dispatch-${dueAt}` });
});

test('two claims at once never take the same row: each skips what the other holds', async () => {
  const dueAt = await instant(0);
  await armedUsers(dueAt, 40);
  const pages = await Promise.all([1, 2, 3, 4].map(() => claimDuePage(db, request(dueAt, { pageSize: 15 }))));
  const ids = pages.flat().map((row) => row.deliveryId);
  expect(ids).toHaveLength(40);
  expect(new Set(ids).size).toBe(40);
});

test('the user is re-checked live: deleted → cancelled, paused → skipped, anniversary removed → cancelled', async () => {
  const dueAt = await instant(0);
  const [deleted, paused, kept] = await armedUsers(dueAt, 3);
  const [removed] = await armedUsers(dueAt, 1, 'anniversary');
  await softDeleteUser(db, deleted!, new Date());
  await pauseUser(db, paused!, 'on holiday', new Date(), false);
  // A pause drops the armed row; re-arm it to see that the claim itself refuses a paused user too.
  await db.delivery.create({
    data: {
      userId: paused!,
      eventType: 'birthday',
      occurrenceYear: new Date(dueAt).getUTCFullYear(),
      occurrenceDate: new Date(`${dueAt.slice(0, 10)}T00:00:00Z`),
      scheduledAt: new Date(dueAt),
      status: 'scheduled',
      idempotencyKey: idempotencyKeyFor(paused!, 'birthday', new Date(dueAt).getUTCFullYear()),
      workflowId: 'w',
      runId: 'r',
    },
  });
  await db.user.update({ where: { id: removed! }, data: { anniversary: null } });

  const page = await claimDuePage(db, request(dueAt));

  const byUser = new Map(page.map((row) => [row.userId, row.status]));
  expect(byUser.get(deleted!)).toBeUndefined(); // the DELETE cancelled its armed row in its own transaction
  expect(await rowOf(deleted!)).toMatchObject({ status: 'cancelled', attempts: 0 });
  expect(byUser.get(paused!)).toBe('skipped');
  expect(await rowOf(paused!)).toMatchObject({ status: 'skipped', attempts: 0, lastError: 'paused: on holiday' });
  expect(byUser.get(removed!)).toBe('cancelled');
  expect(byUser.get(kept!)).toBe('sending');
});

test('later than the lateness limit: recorded as missed, nothing to send', async () => {
  const dueAt = await instant(120_000);
  const [user] = await armedUsers(dueAt, 1);
  const [row] = await claimDuePage(db, request(dueAt, { maxLatenessMs: 60_000 }));
  expect(row).toMatchObject({ status: 'missed', attempt: 0 });
  expect(await rowOf(user!)).toMatchObject({
    status: 'missed',
    lastError: 'not sent: 2 min late, over the limit of 1 min',
  });
});

test('an attempt within its lease is not claimed again; one past it (a crashed worker) is', async () => {
  const dueAt = await instant(0);
  const [user] = await armedUsers(dueAt, 1);
  await claimDuePage(db, request(dueAt));
  expect(await claimDuePage(db, request(dueAt))).toEqual([]);

  await db.delivery.updateMany({ where: { userId: user! }, data: { lastAttemptAt: new Date(Date.now() - 60_000) } });
  const [again] = await claimDuePage(db, request(dueAt));
  expect(again).toMatchObject({ status: 'sending', attempt: 2 });
});

test('settle: delivered, refused for good, or pending with its next attempt time on the database clock', async () => {
  const dueAt = await instant(0);
  const [ok, refused, flaky] = await armedUsers(dueAt, 3);
  const page = await claimDuePage(db, request(dueAt));
  const id = (userId: string) => page.find((row) => row.userId === userId)!.deliveryId;

  await settleDuePage(db, [
    { deliveryId: id(ok!), attempt: 1, result: 'delivered', responseStatus: 200, error: null, retryAfterMs: 0 },
    {
      deliveryId: id(refused!),
      attempt: 1,
      result: 'rejected',
      responseStatus: 400,
      error: 'HTTP 400',
      retryAfterMs: 0,
    },
    {
      deliveryId: id(flaky!),
      attempt: 1,
      result: 'retry',
      responseStatus: 503,
      error: 'HTTP 503',
      retryAfterMs: 30_000,
    },
  ]);

  expect(await rowOf(ok!)).toMatchObject({ status: 'delivered', responseStatus: 200, lastError: null });
  expect(await rowOf(refused!)).toMatchObject({ status: 'failed', responseStatus: 400 });
  const waiting = await rowOf(flaky!);
  expect(waiting).toMatchObject({ status: 'pending', responseStatus: 503 });
  // Not claimable before its backoff, by the dispatcher or by the user's own run.
  expect(await claimDuePage(db, request(dueAt))).toEqual([]);
  const inMs = await nextClaimOf(db, dueAt, LEASE_MS);
  expect(inMs).toBeGreaterThan(25_000);
  expect(inMs).toBeLessThanOrEqual(30_000);
  const own = await claimDelivery(
    db,
    {
      userId: flaky!,
      eventType: 'birthday',
      occurrenceYear: new Date(dueAt).getUTCFullYear(),
      occurrenceDate: dueAt.slice(0, 10),
      scheduledAt: dueAt,
      idempotencyKey: waiting.idempotencyKey,
      workflowId: `birthday-${flaky!}`,
      runId: 'own-run',
      inFlightLeaseMs: LEASE_MS,
      maxLatenessMs: null,
    },
    new Date(),
  );
  expect(own.kind).toBe('in-flight');
});

test("a stale attempt's settle never overrides a newer claim; a 2xx is the truth whichever attempt got it", async () => {
  const dueAt = await instant(0);
  const [user] = await armedUsers(dueAt, 1);
  const [first] = await claimDuePage(db, request(dueAt));
  await db.delivery.updateMany({ where: { userId: user! }, data: { lastAttemptAt: new Date(Date.now() - 60_000) } });
  const [second] = await claimDuePage(db, request(dueAt));
  expect(second!.attempt).toBe(2);

  const late503 = { deliveryId: first!.deliveryId, attempt: 1, result: 'retry' as const, responseStatus: 503 };
  await settleDuePage(db, [{ ...late503, error: 'HTTP 503', retryAfterMs: 10_000 }]);
  expect((await rowOf(user!)).status).toBe('sending');

  await settleDuePage(db, [{ ...late503, result: 'delivered', responseStatus: 200, error: null, retryAfterMs: 0 }]);
  expect((await rowOf(user!)).status).toBe('delivered');
});

test('a user deleted while the attempt was out is cancelled, not retried', async () => {
  const dueAt = await instant(0);
  const [user] = await armedUsers(dueAt, 1);
  const [row] = await claimDuePage(db, request(dueAt));
  await softDeleteUser(db, user!, new Date());
  await settleDuePage(db, [
    { deliveryId: row!.deliveryId, attempt: 1, result: 'retry', responseStatus: 503, error: 'x', retryAfterMs: 10_000 },
  ]);
  expect(await rowOf(user!)).toMatchObject({ status: 'cancelled', lastError: 'user deleted before delivery' });
  expect(await nextClaimOf(db, dueAt, LEASE_MS)).toBeNull();
});

test('a re-plan re-times the armed row, and a plan for another year drops the armed one', async () => {
  const dueAt = await instant(-3_600_000);
  const [user] = await armedUsers(dueAt, 1);
  const year = new Date(dueAt).getUTCFullYear();
  const later = new Date(Date.parse(dueAt) + 86_400_000).toISOString();
  const base = { userId: user!, eventType: 'birthday' as const, workflowId: 'w', runId: 'r' };
  await armOccurrence(db, {
    ...base,
    occurrenceYear: year,
    occurrenceDate: later.slice(0, 10),
    scheduledAt: later,
    idempotencyKey: idempotencyKeyFor(user!, 'birthday', year),
  });
  expect((await rowOf(user!)).scheduledAt.toISOString()).toBe(later);

  await armOccurrence(db, {
    ...base,
    occurrenceYear: year + 1,
    occurrenceDate: `${year + 1}${later.slice(4, 10)}`,
    scheduledAt: `${year + 1}${later.slice(4)}`,
    idempotencyKey: idempotencyKeyFor(user!, 'birthday', year + 1),
  });
  const rows = await db.delivery.findMany({ where: { userId: user! } });
  expect(rows.map((row) => [row.occurrenceYear, row.status])).toEqual([[year + 1, 'scheduled']]);
});
