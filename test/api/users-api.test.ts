import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/api/http-server';
import { createServiceApp } from '../../src/api/service-app';
import { createDb, type Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import type { Worker } from '@temporalio/worker';
import { createTestWorker, startTimeSkippingServer, testDb, uniqueTaskQueue } from '../support/environment';
import { call, silentLog, startApi } from '../support/service';

let env: TestWorkflowEnvironment;
let db: Db;
let api: RunningHttpServer;
let worker: Worker;
let workerRun: Promise<void>;

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

beforeAll(async () => {
  env = await startTimeSkippingServer();
  db = testDb();
  const taskQueue = uniqueTaskQueue('api');
  api = await startApi(env, { db, taskQueue });
  // PUT answers with the workflow's new plan, so a worker runs; no birthday here comes due during the file.
  worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await api?.close();
  await env?.teardown();
  await db?.$disconnect();
});

function expectErrorBody(body: any, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

describe('POST /users', () => {
  test('creates the user (201) and starts its yearly workflow', async () => {
    const { status, body } = await call(api.url, 'POST', '/users', { ...ada, email: 'ada@example.com' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ ...ada, email: 'ada@example.com', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const description = await env.client.workflow.getHandle(workflowIdFor(body.id, 'birthday')).describe();
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
    ['a digit in a name', { ...ada, firstName: 'Ada1' }, 'firstName'],
    ['markup in a name', { ...ada, lastName: '<script>' }, 'lastName'],
    ['a name without a letter', { ...ada, lastName: '-' }, 'lastName'],
  ])('refuses %s with 400 and names the field', async (_label, input, field) => {
    const { status, body } = await call(api.url, 'POST', '/users', input);
    expect(status).toBe(400);
    expectErrorBody(body, 'validation_failed');
    expect(body.error.details).toContainEqual({ path: field, message: expect.any(String) });
  });

  test('stores names trimmed and in NFC, and the email trimmed in the case given', async () => {
    const input = { ...ada, firstName: ' Zoe\u0308 ', lastName: 'd’Artagnan-Nguyễn', email: ' Ada@Example.COM ' };
    const { status, body } = await call(api.url, 'POST', '/users', input);
    expect(status).toBe(201);
    expect(body).toMatchObject({ firstName: 'Zo\u00eb', lastName: 'd’Artagnan-Nguyễn', email: 'Ada@Example.COM' });
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
      headers: { 'content-type': 'application/json' },
      body: '{"firstName": "Ada",',
    });
    expect(response.status).toBe(400);
    expectErrorBody(await response.json(), 'invalid_json');
  });

  test('refuses a body that is not JSON with 415', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'firstName=Ada',
    });
    expect(response.status).toBe(415);
    expectErrorBody(await response.json(), 'unsupported_media_type');
  });

  test('refuses an oversized body with 413', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ada, firstName: 'A'.repeat(100_000) }),
    });
    expect(response.status).toBe(413);
    expectErrorBody(await response.json(), 'payload_too_large');
  });

  test('answers 503 with the saved user, flagged for the reconciler, when Temporal cannot start the workflow', async () => {
    const unreachable = await startTimeSkippingServer();
    const app = createServiceApp({
      db,
      temporal: unreachable.client,
      taskQueue: 'nowhere',
      deliveryTime: '09:00',
      log: silentLog,
    });
    await unreachable.teardown();
    const before = await db.user.count();

    const response = await app.request('/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ada),
    });

    expect(response.status).toBe(503);
    const body: any = await response.json();
    expect(body.error).toEqual({ code: 'scheduler_unavailable', message: expect.any(String), details: [] });
    expect(body.user).toMatchObject({ ...ada, id: expect.any(String) });
    expect(await db.user.count()).toBe(before + 1);
    const row = await db.user.findUniqueOrThrow({ where: { id: body.user.id } });
    expect(row.workflowSyncRequestedAt).not.toBeNull();
  });
});

describe('GET, PUT and DELETE /users/:id', () => {
  test('GET returns the user; an unknown id is 404; a malformed id is 400', async () => {
    const created = await call(api.url, 'POST', '/users', ada);
    expect((await call(api.url, 'GET', `/users/${created.body.id}`))).toEqual({ status: 200, body: created.body });

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
  test('pages through every live user exactly once with limit and cursor', async () => {
    const ids = new Set<string>();
    for (const firstName of ['Ann', 'Ben', 'Cleo', 'Dev', 'Eve']) {
      ids.add((await call(api.url, 'POST', '/users', { ...ada, firstName })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await call(api.url, 'GET', `/users${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((user: { id: string }) => user.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  test('refuses a bad limit or cursor with 400', async () => {
    expectErrorBody((await call(api.url, 'GET', '/users?limit=0')).body, 'validation_failed');
    expectErrorBody((await call(api.url, 'GET', '/users?cursor=garbage')).body, 'invalid_cursor');
  });
});

describe('health and readiness', () => {
  test('GET /health is 200 and GET /ready is 200 with Postgres and Temporal up', async () => {
    expect(await call(api.url, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call(api.url, 'GET', '/ready')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: { status: 'up' }, temporal: { status: 'up' } } },
    });
  });

  test('GET /ready is 503 and names what is down when Postgres is unreachable', async () => {
    const unreachableDb = createDb('postgresql://nobody:nothing@127.0.0.1:1/none');
    const app = createServiceApp({ db: unreachableDb, temporal: env.client, taskQueue: 'x', deliveryTime: '09:00', log: silentLog });
    const response = await app.request('/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable', checks: { postgres: { status: 'down' }, temporal: { status: 'up' } } });
    await unreachableDb.$disconnect();
  });

  test('unknown routes get the error body with 404', async () => {
    const { status, body } = await call(api.url, 'GET', '/nope');
    expect(status).toBe(404);
    expectErrorBody(body, 'route_not_found');
  });
});
