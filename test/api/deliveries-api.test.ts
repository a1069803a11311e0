import { Prisma, type DeliveryStatus } from '../../src/generated/prisma/client';
import { idempotencyKeyFor, workflowIdFor } from '../../src/greetings/ids';
import { eventually } from '../support/real-time';
import { allPages, apiForThisFile, call } from '../support/service';

// The ledger is written by hand; no birthday comes due, and each user's first armed row is removed once written.
const api = apiForThisFile('deliveries-api');

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

/** One ledger row as the test writes it: instants as ISO strings, so the expected API item is written from it too. */
interface LedgerRow {
  occurrenceYear: number;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  latenessMs: number | null;
  createdAt: string;
  updatedAt: string;
  runId: string;
}

/** A row of year `year` in the given status; the row is written a day before the 09:00 it is due. */
function ledgerRow(year: number, status: DeliveryStatus, overrides: Partial<LedgerRow> = {}): LedgerRow {
  const attempted = status !== 'pending' && status !== 'cancelled';
  const due = `${year}-12-10T09:00:00.000Z`;
  return {
    occurrenceYear: year,
    status,
    attempts: attempted ? 2 : 0,
    responseStatus: status === 'delivered' ? 200 : status === 'failed' ? 410 : null,
    lastError:
      status === 'failed' ? 'receiver answered 410' : status === 'cancelled' ? 'user deleted before delivery' : null,
    firstAttemptAt: attempted ? due : null,
    lastAttemptAt: attempted ? `${year}-12-10T09:00:05.000Z` : null,
    deliveredAt: status === 'delivered' ? `${year}-12-10T09:00:06.000Z` : null,
    latenessMs: attempted ? 5_000 : null,
    createdAt: `${year}-12-09T09:00:00.000Z`,
    updatedAt: `${year}-12-10T09:00:06.000Z`,
    runId: `run-${year}`,
    ...overrides,
  };
}

const instant = (iso: string | null) => (iso === null ? null : new Date(iso));

/** Writes the rows straight into the ledger, in the order given; returns them with the ids Postgres now holds. */
async function insertLedger(userId: string, rows: LedgerRow[]): Promise<(LedgerRow & { id: string })[]> {
  const written: (LedgerRow & { id: string })[] = [];
  for (const row of rows) {
    const { id } = await api.db.delivery.create({
      data: {
        userId,
        eventType: 'birthday',
        occurrenceYear: row.occurrenceYear,
        occurrenceDate: new Date(`${row.occurrenceYear}-12-10T00:00:00.000Z`),
        scheduledAt: new Date(`${row.occurrenceYear}-12-10T09:00:00.000Z`),
        status: row.status,
        attempts: row.attempts,
        idempotencyKey: idempotencyKeyFor(userId, 'birthday', row.occurrenceYear),
        workflowId: workflowIdFor(userId, 'birthday'),
        runId: row.runId,
        responseStatus: row.responseStatus,
        lastError: row.lastError,
        firstAttemptAt: instant(row.firstAttemptAt),
        lastAttemptAt: instant(row.lastAttemptAt),
        deliveredAt: instant(row.deliveredAt),
        latenessMs: row.latenessMs,
        createdAt: new Date(row.createdAt),
        updatedAt: new Date(row.updatedAt),
      },
    });
    written.push({ ...row, id });
  }
  return written;
}

/** The API item the test expects for a row, written out field by field. */
function expectedItem(userId: string, row: LedgerRow & { id: string }) {
  return {
    id: row.id,
    eventType: 'birthday',
    occurrenceYear: row.occurrenceYear,
    occurrenceDate: `${row.occurrenceYear}-12-10`,
    scheduledAt: `${row.occurrenceYear}-12-10T09:00:00.000Z`,
    // Written here, not armed by a plan: no release recorded.
    tzVersion: null,
    status: row.status,
    attempts: row.attempts,
    idempotencyKey: `birthday-${row.occurrenceYear}-${userId}`,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    firstAttemptAt: row.firstAttemptAt,
    lastAttemptAt: row.lastAttemptAt,
    deliveredAt: row.deliveredAt,
    latenessMs: row.latenessMs,
    nextAttemptAt: null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    workflowId: `birthday-${userId}`,
    runId: row.runId,
  };
}

async function createUser(): Promise<string> {
  const { status, body } = await call(api.url, 'POST', '/users', ada);
  expect(status).toBe(201);
  // The user's run arms this year's row; the tests here write the whole ledger by hand, so it goes once armed.
  await eventually(async () => {
    const { count } = await api.db.delivery.deleteMany({ where: { userId: body.id, status: 'scheduled' } });
    return count > 0 ? true : undefined;
  }, 'the first plan to arm its row');
  return body.id;
}

/** Seven years in every status, written oldest-created last so that neither insertion nor createdAt gives the order. */
function mixedLedger(): LedgerRow[] {
  return [
    ledgerRow(2023, 'delivered'),
    ledgerRow(2026, 'pending'),
    ledgerRow(2020, 'delivered', { createdAt: '2026-01-02T00:00:00.000Z' }), // a late backfill of an old year
    ledgerRow(2025, 'sending'),
    ledgerRow(2021, 'failed'),
    ledgerRow(2024, 'cancelled'),
    ledgerRow(2022, 'delivered'),
  ];
}

function expectErrorBody(body: any, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

describe('GET /users/:id/deliveries', () => {
  test('lists the ledger newest occurrence first, every column in API form', async () => {
    const userId = await createUser();
    const rows = await insertLedger(userId, mixedLedger());

    const { status, body } = await call(api.url, 'GET', `/users/${userId}/deliveries`);

    expect(status).toBe(200);
    const newestFirst = [...rows].sort((a, b) => b.occurrenceYear - a.occurrenceYear);
    expect(body).toEqual({ items: newestFirst.map((row) => expectedItem(userId, row)), nextCursor: null });
  });

  test('an item carries every ledger column but the user id, which the path names', async () => {
    const userId = await createUser();
    await insertLedger(userId, [ledgerRow(2024, 'delivered')]);

    const { body } = await call(api.url, 'GET', `/users/${userId}/deliveries`);

    const columns = Object.keys(Prisma.DeliveryScalarFieldEnum).filter((column) => column !== 'userId');
    expect(Object.keys(body.items[0]).sort()).toEqual(columns.sort());
  });

  test('pages with limit and cursor through every row once, in order', async () => {
    const userId = await createUser();
    const rows = await insertLedger(userId, mixedLedger());

    const pages = await allPages(api.url, `/users/${userId}/deliveries`, { limit: '3' });

    expect(pages.map((page) => page.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
    const years = pages.flatMap((page) => page.items.map((item: { occurrenceYear: number }) => item.occurrenceYear));
    expect(years).toEqual([2026, 2025, 2024, 2023, 2022, 2021, 2020]);
    const ids = pages.flatMap((page) => page.items.map((item: { id: string }) => item.id));
    expect(ids.sort()).toEqual(rows.map((row) => row.id).sort());
  });

  test('a row written between two pages shifts nothing: the next page starts after the last row seen', async () => {
    const userId = await createUser();
    await insertLedger(userId, [
      ledgerRow(2022, 'delivered'),
      ledgerRow(2023, 'delivered'),
      ledgerRow(2024, 'delivered'),
    ]);

    const first = await call(api.url, 'GET', `/users/${userId}/deliveries?limit=2`);
    await insertLedger(userId, [ledgerRow(2025, 'pending')]);
    const second = await call(api.url, 'GET', `/users/${userId}/deliveries?limit=2&cursor=${first.body.nextCursor}`);

    expect(first.body.items.map((item: { occurrenceYear: number }) => item.occurrenceYear)).toEqual([2024, 2023]);
    expect(second.body).toEqual({ items: [expect.objectContaining({ occurrenceYear: 2022 })], nextCursor: null });
  });

  test('20 rows a page by default; an empty ledger is an empty page', async () => {
    const userId = await createUser();
    await insertLedger(
      userId,
      Array.from({ length: 23 }, (_, index) => ledgerRow(2000 + index, 'delivered')),
    );

    const first = await call(api.url, 'GET', `/users/${userId}/deliveries`);
    const second = await call(api.url, 'GET', `/users/${userId}/deliveries?cursor=${first.body.nextCursor}`);

    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0].occurrenceYear).toBe(2022);
    expect(second.body.items.map((item: { occurrenceYear: number }) => item.occurrenceYear)).toEqual([
      2002, 2001, 2000,
    ]);
    expect(second.body.nextCursor).toBeNull();
    expect(await call(api.url, 'GET', `/users/${await createUser()}/deliveries`)).toEqual({
      status: 200,
      body: { items: [], nextCursor: null },
    });
  });

  test('the singular path /user/:id/deliveries is an alias', async () => {
    const userId = await createUser();
    await insertLedger(userId, [ledgerRow(2024, 'delivered')]);

    const plural = await call(api.url, 'GET', `/users/${userId}/deliveries`);
    expect(await call(api.url, 'GET', `/user/${userId}/deliveries`)).toEqual(plural);
  });

  test('an unknown or deleted user is 404 user_not_found, even with a ledger', async () => {
    const unknown = await call(api.url, 'GET', '/users/00000000-0000-4000-8000-000000000000/deliveries');
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown.body, 'user_not_found');

    const userId = await createUser();
    await insertLedger(userId, [ledgerRow(2024, 'delivered')]);
    expect((await call(api.url, 'DELETE', `/users/${userId}`)).status).toBe(204);
    const deleted = await call(api.url, 'GET', `/users/${userId}/deliveries`);
    expect(deleted.status).toBe(404);
    expectErrorBody(deleted.body, 'user_not_found');
  });

  test('a malformed id is 400 invalid_id', async () => {
    const { status, body } = await call(api.url, 'GET', '/users/not-a-uuid/deliveries');
    expect(status).toBe(400);
    expectErrorBody(body, 'invalid_id');
  });

  test.each([
    ['an unknown parameter', 'status=delivered', 'status'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 100', 'limit=101', 'limit'],
    ['a limit that is not a number', 'limit=ten', 'limit'],
  ])('refuses %s with 400 validation_failed naming it', async (_label, query, field) => {
    const userId = await createUser();
    const { status, body } = await call(api.url, 'GET', `/users/${userId}/deliveries?${query}`);
    expect(status).toBe(400);
    expectErrorBody(body, 'validation_failed');
    expect(JSON.stringify(body.error.details)).toContain(field);
  });

  test('refuses a cursor not of the documented form with 400 invalid_cursor; any of that form is a position', async () => {
    const userId = await createUser();
    await insertLedger(userId, [ledgerRow(2023, 'delivered'), ledgerRow(2024, 'delivered')]);
    const ownCursor = (await call(api.url, 'GET', `/users/${userId}/deliveries?limit=1`)).body.nextCursor;
    const usersCursor = (await call(api.url, 'GET', '/users?limit=1')).body.nextCursor;
    expect(ownCursor).toMatch(/^[A-Za-z0-9_-]{32}$/);

    for (const cursor of ['garbage', usersCursor, `${ownCursor}A`]) {
      const { status, body } = await call(api.url, 'GET', `/users/${userId}/deliveries?cursor=${cursor}`);
      expect(status).toBe(400);
      expectErrorBody(body, 'invalid_cursor');
    }
    const next = await call(api.url, 'GET', `/users/${userId}/deliveries?cursor=${ownCursor}`);
    expect(next.body.items.map((item: { occurrenceYear: number }) => item.occurrenceYear)).toEqual([2023]);
    expect((await call(api.url, 'GET', `/users/${userId}/deliveries?cursor=${'A'.repeat(32)}`)).status).toBe(200);
  });
});
