import http from 'node:http';
import { createServiceApp } from '../../src/api/service-app';
import { createDb } from '../../src/db/client';
import { userCursor } from '../../src/db/users';
import { idempotencyKeyFor, workflowIdFor } from '../../src/greetings/ids';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import {
  allPages,
  apiForThisFile,
  apiWorkflows,
  appWithTemporalGone,
  call,
  letterName,
  silentLog,
  type ListPage,
  TEST_API_KEY,
  AUTHORIZATION,
  TEST_PLANNING,
} from '../support/service';
import { untilRunsStarted } from '../support/runs-started';

const api = apiForThisFile('api');

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function expectErrorBody(body: any, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

describe('POST /users', () => {
  test('creates the user (201) and starts its yearly workflow', async () => {
    const { status, body } = await call(api.url, 'POST', '/users', { ...ada, email: 'ada@example.com' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ ...ada, email: 'ada@example.com', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The run starts right after the answer.
    await untilRunsStarted(api.db, body.id);
    const description = await api.env.client.workflow.getHandle(workflowIdFor(body.id, 'birthday')).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('yearlyGreetingWorkflow');
  });

  test('the singular seed path POST /user works as an alias', async () => {
    const { status, body } = await call(api.url, 'POST', '/user', ada);
    expect(status).toBe(201);
    expect((await call(api.url, 'GET', `/user/${body.id}`)).body).toMatchObject(ada);
  });

  test.each([
    ['a missing field', { firstName: 'Ada', lastName: 'Lovelace', timezone: 'Europe/London' }, 'birthday'],
    ['a date that does not exist', { ...ada, birthday: '1990-02-30' }, 'birthday'],
    ['a date in another format', { ...ada, birthday: '10/12/1815' }, 'birthday'],
    ['an unknown time zone', { ...ada, timezone: 'Europe/Atlantis' }, 'timezone'],
    ['an empty name', { ...ada, firstName: '   ' }, 'firstName'],
    ['a name over 100 characters', { ...ada, lastName: 'x'.repeat(101) }, 'lastName'],
    ['a bad email', { ...ada, email: 'not-an-email' }, 'email'],
    ['an email over 254 characters', { ...ada, email: `${'a'.repeat(243)}@example.com` }, 'email'],
    ['a wrong type', { ...ada, birthday: 18151210 }, 'birthday'],
    ['a birthday before 1900', { ...ada, birthday: '1815-12-10' }, 'birthday'],
    ['a birthday in the future', { ...ada, birthday: '2999-01-01' }, 'birthday'],
    ['a future birthday next to a bad time zone', { ...ada, birthday: '2999-01-01', timezone: 'Nowhere' }, 'birthday'],
    ['a control character in a name', { ...ada, firstName: 'Ada\u0000' }, 'firstName'],
    ['a line break in a name', { ...ada, lastName: 'Love\nlace' }, 'lastName'],
    ['a time zone only ICU knows', { ...ada, timezone: 'SystemV/AST4' }, 'timezone'],
  ])('refuses %s with 400 and names the field', async (_label, input, field) => {
    const { status, body } = await call(api.url, 'POST', '/users', input);
    expect(status).toBe(400);
    expectErrorBody(body, 'validation_failed');
    expect(body.error.details).toContainEqual({ path: field, message: expect.any(String) });
  });

  test('takes a name as the person writes it: digits, dots and commas too', async () => {
    const input = { ...ada, firstName: 'Jennifer 8.', lastName: 'Lee, Jr' };
    const { status, body } = await call(api.url, 'POST', '/users', input);
    expect(status).toBe(201);
    expect(body).toMatchObject({ firstName: 'Jennifer 8.', lastName: 'Lee, Jr' });
  });

  test('stores names trimmed and in NFC, and the email trimmed in the case given', async () => {
    const input = { ...ada, firstName: ' Zoe\u0308 ', lastName: 'd’Artagnan-Nguyễn', email: ' Zoe@Example.COM ' };
    const { status, body } = await call(api.url, 'POST', '/users', input);
    expect(status).toBe(201);
    expect(body).toMatchObject({ firstName: 'Zo\u00eb', lastName: 'd’Artagnan-Nguyễn', email: 'Zoe@Example.COM' });
    expect((await call(api.url, 'GET', `/users/${body.id}`)).body).toMatchObject({ firstName: 'Zo\u00eb' });
  });

  test('refuses unknown fields', async () => {
    const { status, body } = await call(api.url, 'POST', '/users', { ...ada, nickname: 'Countess' });
    expect(status).toBe(400);
    expectErrorBody(body, 'validation_failed');
    expect(JSON.stringify(body.error.details)).toContain('nickname');
  });

  test('refuses malformed JSON with 400 invalid_json', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: '{"firstName": "Ada",',
    });
    expect(response.status).toBe(400);
    expectErrorBody(await response.json(), 'invalid_json');
  });

  test('refuses a body that is not JSON with 415', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'text/plain' },
      body: 'firstName=Ada',
    });
    expect(response.status).toBe(415);
    expectErrorBody(await response.json(), 'unsupported_media_type');
  });

  test('refuses a body without a content type with 415', async () => {
    // Bytes, not a string: fetch would label a string text/plain.
    const response = await fetch(`${api.url}/users`, {
      headers: AUTHORIZATION,
      method: 'POST',
      body: new TextEncoder().encode(JSON.stringify(ada)),
    });
    expect(response.status).toBe(415);
    expectErrorBody(await response.json(), 'unsupported_media_type');
  });

  test.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"x"'],
    ['a number', '3'],
  ])('refuses a JSON body that is %s, not an object, with 400 validation_failed', async (_label, text) => {
    const { body: created } = await call(api.url, 'POST', '/users', ada);
    for (const [method, path] of [
      ['POST', '/users'],
      ['PUT', `/users/${created.id}`],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
        body: text,
      });
      expect({ method, status: response.status }).toEqual({ method, status: 400 });
      const body: any = await response.json();
      expectErrorBody(body, 'validation_failed');
      expect(body.error.details).toEqual([{ path: '', message: expect.stringContaining('expected object') }]);
    }
  });

  test('refuses an oversized body with 413', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ada, firstName: 'A'.repeat(100_000) }),
    });
    expect(response.status).toBe(413);
    expectErrorBody(await response.json(), 'payload_too_large');
  });

  test('answers 201 with the plan when Temporal cannot start the workflow: the row stays flagged for the reconciler', async () => {
    const app = await appWithTemporalGone(api.db);
    const before = await api.db.user.count();

    const response = await app.request('/users', {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify(ada),
    });

    // Saved, planned and armed with the row: the greeting is sent from the ledger whether or not the run exists.
    expect(response.status).toBe(201);
    const body: any = await response.json();
    expect(body).toMatchObject({ ...ada, id: expect.any(String), nextDelivery: { eventType: 'birthday' } });
    expect(await api.db.user.count()).toBe(before + 1);
    expect(await api.db.delivery.count({ where: { userId: body.id, status: 'scheduled' } })).toBe(1);
    // The start failed after the answer; the flag leaves it to the reconciler.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const row = await api.db.user.findUniqueOrThrow({ where: { id: body.id } });
    expect(row.workflowSyncRequestedAt).not.toBeNull();
  });
});

describe('reads and re-drives when Temporal does not answer', () => {
  test('GET next-delivery and POST retry answer 503 temporal_unavailable, not 500', async () => {
    const app = await appWithTemporalGone(api.db);
    const user = await api.db.user.create({
      data: { firstName: 'Ada', lastName: 'Lovelace', birthday: new Date('1990-12-10'), timezone: 'Europe/London' },
    });
    const failed = await api.db.delivery.create({
      data: {
        userId: user.id,
        eventType: 'birthday',
        occurrenceYear: 2025,
        occurrenceDate: new Date('2025-12-10'),
        scheduledAt: new Date('2025-12-10T09:00:00.000Z'),
        status: 'failed',
        idempotencyKey: idempotencyKeyFor(user.id, 'birthday', 2025),
        workflowId: workflowIdFor(user.id, 'birthday'),
        runId: 'run-2025',
      },
    });

    const next = await app.request(`/users/${user.id}/next-delivery`, { headers: AUTHORIZATION });
    const retry = await app.request(`/users/${user.id}/deliveries/${failed.id}/retry`, {
      method: 'POST',
      headers: AUTHORIZATION,
    });

    for (const response of [next, retry]) {
      expect(response.status).toBe(503);
      expectErrorBody(await response.json(), 'temporal_unavailable');
    }
  });
});

describe('GET, PUT and DELETE /users/:id', () => {
  test('GET returns the user; an unknown id is 404; a malformed id is 400', async () => {
    const created = await call(api.url, 'POST', '/users', ada);
    const { nextDelivery: _plan, ...user } = created.body;
    expect(await call(api.url, 'GET', `/users/${created.body.id}`)).toEqual({ status: 200, body: user });

    const unknown = await call(api.url, 'GET', '/users/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown.body, 'user_not_found');

    const malformed = await call(api.url, 'GET', '/users/not-a-uuid');
    expect(malformed.status).toBe(400);
    expectErrorBody(malformed.body, 'invalid_id');
  });

  test('PUT replaces the user and validates like POST', async () => {
    const created = await call(api.url, 'POST', '/users', ada);
    const updated = await call(api.url, 'PUT', `/users/${created.body.id}`, { ...ada, lastName: 'King' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, lastName: 'King' });
    expect((await call(api.url, 'GET', `/users/${created.body.id}`)).body.lastName).toBe('King');

    const invalid = await call(api.url, 'PUT', `/users/${created.body.id}`, { ...ada, timezone: 'Nowhere' });
    expect(invalid.status).toBe(400);
    expect((await call(api.url, 'PUT', '/users/00000000-0000-4000-8000-000000000000', ada)).status).toBe(404);
  });

  test('DELETE answers 204, then the user is gone; singular alias too', async () => {
    const created = await call(api.url, 'POST', '/users', ada);
    expect((await call(api.url, 'DELETE', `/user/${created.body.id}`)).status).toBe(204);
    expect((await call(api.url, 'GET', `/users/${created.body.id}`)).status).toBe(404);
  });
});

describe('GET /users', () => {
  const idsOf = (pages: ListPage[]): string[] =>
    pages.flatMap((page) => page.items.map((user: { id: string }) => user.id));

  async function createUsers(count: number, fields: Partial<typeof ada> = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const { status, body } = await call(api.url, 'POST', '/users', {
        ...ada,
        firstName: letterName('Page', index),
        ...fields,
      });
      expect(status).toBe(201);
      ids.push(body.id);
    }
    return ids;
  }

  test('pages through every live user exactly once with limit and cursor', async () => {
    const ids = await createUsers(5);
    const pages = await allPages(api.url, '/users', { limit: '2' });
    for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(2);
    const seen = idsOf(pages);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  test('refuses a bad limit or cursor with 400', async () => {
    expectErrorBody((await call(api.url, 'GET', '/users?limit=0')).body, 'validation_failed');
    // The page size is bounded (500): one above it is refused, naming the field, rather than cut down silently.
    const overMaximum = await call(api.url, 'GET', '/users?limit=501');
    expect(overMaximum.status).toBe(400);
    expectErrorBody(overMaximum.body, 'validation_failed');
    expect(JSON.stringify(overMaximum.body.error.details)).toContain('limit');
    expect((await call(api.url, 'GET', '/users?limit=500')).status).toBe(200);
    expectErrorBody((await call(api.url, 'GET', '/users?cursor=garbage')).body, 'invalid_cursor');
  });

  test('?timezone= lists the live users of exactly that zone, in creation order, page by page', async () => {
    const paris = await createUsers(3, { timezone: 'Europe/Paris' });
    const [kathmandu] = await createUsers(1, { timezone: 'Asia/Kathmandu' });
    const [deleted] = await createUsers(1, { timezone: 'Europe/Paris' });
    expect((await call(api.url, 'DELETE', `/users/${deleted}`)).status).toBe(204);

    const pages = await allPages(api.url, '/users', { limit: '2', timezone: 'Europe/Paris' });

    const listed = pages.flatMap((page) => page.items);
    const expected = await api.db.user.findMany({
      where: { timezone: 'Europe/Paris', deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    expect(pages.length).toBeGreaterThan(1);
    expect(listed.map((user) => user.id)).toEqual(expected.map((user) => user.id));
    expect(new Set(listed.map((user) => user.timezone))).toEqual(new Set(['Europe/Paris']));
    expect(listed.map((user) => user.id)).toEqual(expect.arrayContaining(paris));
    expect(listed.map((user) => user.id)).not.toContain(kathmandu);
    expect(listed.map((user) => user.id)).not.toContain(deleted);
  });

  test('a zone is stored as IANA spells it, so the filter finds it whatever case either was written in', async () => {
    const { status, body } = await call(api.url, 'POST', '/users', { ...ada, timezone: 'asia/kathmandu' });
    expect(status).toBe(201);
    expect(body.timezone).toBe('Asia/Kathmandu');
    for (const timezone of ['Asia/Kathmandu', 'ASIA/KATHMANDU']) {
      const pages = await allPages(api.url, '/users', { limit: '500', timezone });
      expect(pages.flatMap((page) => page.items).map((user) => user.id)).toContain(body.id);
    }
  });

  test.each([
    ['an unknown zone', 'Europe/Atlantis'],
    ['a zone only ICU knows', 'SystemV/AST4'],
    ['an empty zone', ''],
    ['a UTC offset', '+01:00'],
  ])('?timezone= refuses %s with 400 validation_failed naming timezone', async (_label, zone) => {
    const { status, body } = await call(api.url, 'GET', `/users?${new URLSearchParams({ timezone: zone }).toString()}`);
    expect(status).toBe(400);
    expectErrorBody(body, 'validation_failed');
    expect(body.error.details).toContainEqual({ path: 'timezone', message: expect.any(String) });
  });

  test("a cursor is a position in creation order: with another filter the page holds that filter's users after it", async () => {
    const [parisBefore] = await createUsers(1, { timezone: 'Europe/Paris' });
    const [kathmanduAfter] = await createUsers(1, { timezone: 'Asia/Kathmandu' });
    const [parisAfter] = await createUsers(1, { timezone: 'Europe/Paris' });
    const row = await api.db.user.findUniqueOrThrow({ where: { id: parisBefore } });
    const cursor = userCursor.encode([row.createdAt, row.id]);

    const ids = async (query: Record<string, string>) =>
      (await allPages(api.url, '/users', { limit: '500', ...query })).flatMap((page) =>
        page.items.map((user) => user.id),
      );
    expect(await ids({ cursor, timezone: 'Europe/Paris' })).toEqual(expect.arrayContaining([parisAfter]));
    expect(await ids({ cursor, timezone: 'Europe/Paris' })).not.toContain(parisBefore);
    expect(await ids({ cursor, timezone: 'Asia/Kathmandu' })).toContain(kathmanduAfter);
    expect(await ids({ cursor })).toEqual(expect.arrayContaining([kathmanduAfter, parisAfter]));
  });

  test.each([
    ['empty', ''],
    ['not base64url', '!'.repeat(30)],
    ['too short', '0'],
    ['a delivery cursor', 'A'.repeat(32)],
    ['padded', `${'A'.repeat(28)}==`],
  ])('a cursor not of the documented form (%s) is 400 invalid_cursor', async (_label, cursor) => {
    const { status, body } = await call(api.url, 'GET', `/users?${new URLSearchParams({ cursor }).toString()}`);
    expect(status).toBe(400);
    expectErrorBody(body, 'invalid_cursor');
  });

  test('any value of the documented form is a position the list continues from', async () => {
    for (const cursor of ['A'.repeat(30), '_'.repeat(30), '0123456789abcdefghijklmnopqrst']) {
      expect((await call(api.url, 'GET', `/users?cursor=${cursor}`)).status).toBe(200);
    }
  });

  test('paging while users keep being created lists every earlier user exactly once and nobody twice', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, index) => createUsers(1, { firstName: letterName('Before', index) })),
    );
    // More users with one creation instant than fit in a page: a page boundary falls among them, so only the id
    // decides which of them come next.
    const instant = new Date();
    await api.db.user.createMany({
      data: Array.from({ length: 4 }, (_, index) => ({
        firstName: letterName('Tie', index),
        lastName: 'Lovelace',
        birthday: new Date('1815-12-10T00:00:00.000Z'),
        timezone: 'Europe/London',
        createdAt: instant,
        updatedAt: instant,
      })),
    });
    const before = new Set(
      (await api.db.user.findMany({ where: { deletedAt: null }, select: { id: true } })).map((u) => u.id),
    );

    const createdMeanwhile: string[] = [];
    let creating = true;
    const creator = async () => {
      while (creating) createdMeanwhile.push(...(await createUsers(1, { firstName: 'During' })));
    };
    const creators = [creator(), creator(), creator()];
    let pagesFollowedByACreation = 0;
    let pages: ListPage[];
    try {
      pages = await allPages(api.url, '/users', { limit: '3' }, async (pagesSoFar) => {
        // Creation goes on until paging reaches the users created meanwhile (or has read enough pages for every
        // earlier user); until then, at least one user is committed between every two pages.
        const reachedNewUsers = pagesSoFar.at(-1)!.items.some((user: { id: string }) => !before.has(user.id));
        if (reachedNewUsers || pagesSoFar.length * 3 >= before.size + 3) creating = false;
        if (!creating) return;
        const target = createdMeanwhile.length + 1;
        await waitUntil(() => createdMeanwhile.length >= target, 'a user is created between two pages');
        pagesFollowedByACreation += 1;
      });
    } finally {
      creating = false;
      await Promise.all(creators);
    }

    const seen = idsOf(pages);
    const timesSeen = (id: string) => seen.filter((other) => other === id).length;
    expect([...before].filter((id) => timesSeen(id) !== 1)).toEqual([]);
    expect(seen.filter((id, index) => seen.indexOf(id) !== index)).toEqual([]);
    // The premise: users were created throughout the pages that hold the earlier ones.
    expect(pagesFollowedByACreation).toBeGreaterThanOrEqual(Math.ceil(before.size / 3) - 1);
  });
});

describe('health and readiness', () => {
  // GET /ready's worker check is tested against the dev server in readiness.test.ts: this file's time-skipping server
  // does not describe task queues.
  test('GET /health is 200', async () => {
    expect(await call(api.url, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  test('GET /ready is 503 and names what is down when Postgres is unreachable', async () => {
    const unreachableDb = createDb('postgresql://nobody:nothing@127.0.0.1:1/none');
    const app = createServiceApp({
      planning: TEST_PLANNING,
      apiKeys: [TEST_API_KEY],
      db: unreachableDb,
      workflows: apiWorkflows(api.env.client, 'x'),
      log: silentLog,
      metrics: createServiceMetrics(),
    });
    const response = await app.request('/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unavailable',
      checks: { postgres: { status: 'down' }, temporal: { status: 'up' } },
    });
    await unreachableDb.$disconnect();
  });

  test('unknown routes get the error body with 404', async () => {
    const { status, body } = await call(api.url, 'GET', '/nope');
    expect(status).toBe(404);
    expectErrorBody(body, 'route_not_found');
  });

  const someId = '00000000-0000-4000-8000-000000000000';
  test.each([
    ['TRACE', '/users', 'GET, HEAD, POST'],
    ['PATCH', `/users/${someId}`, 'DELETE, GET, HEAD, PUT'],
    ['PATCH', `/user/${someId}`, 'DELETE, GET, HEAD, PUT'],
    ['DELETE', `/users/${someId}/next-delivery`, 'GET, HEAD'],
    ['GET', `/users/${someId}/deliveries/${someId}/retry`, 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['QUERY', '/ready', 'GET, HEAD'],
  ])('%s %s, a method the path does not answer, is 405 with Allow: %s', async (method, path, allow) => {
    const { status, headers, body } = await rawCall(api.url, method, path);
    expect(status).toBe(405);
    expect(headers.allow).toBe(allow);
    expectErrorBody(JSON.parse(body), 'method_not_allowed');
  });
});

/** A request through node:http, which sends the methods fetch refuses to (TRACE) or does not know (QUERY). */
function rawCall(
  baseUrl: string,
  method: string,
  path: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}${path}`, { method, headers: AUTHORIZATION }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
