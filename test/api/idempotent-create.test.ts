import { randomUUID } from 'node:crypto';
import { startHttpServer } from '../../src/http/http-server';
import { createServiceApp, TEMPORAL_CALL_TIMEOUT_MS } from '../../src/api/service-app';
import type { User } from '../../src/db/users';
import { workflowIdFor } from '../../src/greetings/ids';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { uniqueTaskQueue } from '../support/environment';
import { apiForThisFile, call, silentLog, TEST_API_KEY, AUTHORIZATION, TEST_PLANNING } from '../support/service';

// POST /users with an Idempotency-Key: a client that retries a create gets the first answer, not a second user (and
// with it a second greeting every year).

const api = apiForThisFile('idempotent-create');

const grace = { firstName: 'Grace', lastName: 'Hopper', birthday: '1906-12-09', timezone: 'America/New_York' };

/** POST /users with the key; the status, body and replay header. */
async function create(
  body: unknown,
  key: string,
  baseUrl = api.url,
): Promise<{ status: number; body: any; replayed: string | null }> {
  const response = await fetch(`${baseUrl}/users`, {
    method: 'POST',
    headers: { ...AUTHORIZATION, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: await response.json(),
    replayed: response.headers.get('idempotent-replayed'),
  };
}

const usersWithKey = (key: string) => api.db.user.count({ where: { creationKey: key } });

test('the same create sent again answers 201 with the same user, marked as replayed, and saves nothing more', async () => {
  const key = randomUUID();
  const first = await create(grace, key);
  const again = await create(grace, key);
  expect(first).toMatchObject({ status: 201, replayed: null });
  expect(again).toEqual({ status: 201, body: first.body, replayed: 'true' });
  expect(await usersWithKey(key)).toBe(1);
  const run = await api.env.client.workflow.getHandle(workflowIdFor(first.body.id, 'birthday')).describe();
  expect(run.status.name).toBe('RUNNING');
});

test('a retry whose fields differ only as validation normalises them is the same create', async () => {
  const key = randomUUID();
  const first = await create(grace, key);
  const again = await create({ ...grace, firstName: '  Grace ', timezone: 'america/new_york' }, key);
  expect(again).toEqual({ status: 201, body: first.body, replayed: 'true' });
});

test('the same key with other fields is refused with 422 idempotency_key_reused, and nothing is saved', async () => {
  const key = randomUUID();
  const first = await create(grace, key);
  const other = await create({ ...grace, birthday: '1906-12-10' }, key);
  expect(other.status).toBe(422);
  expect(other.body).toEqual({
    error: { code: 'idempotency_key_reused', message: expect.stringContaining('other fields'), details: [] },
  });
  expect(await usersWithKey(key)).toBe(1);
  expect((await call(api.url, 'GET', `/users/${first.body.id}`)).body.birthday).toBe('1906-12-09');
});

test('ten copies of one create sent at once make one user; every answer names it', async () => {
  const key = randomUUID();
  const answers = await Promise.all(Array.from({ length: 10 }, () => create(grace, key)));
  expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(201));
  expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
  expect(answers.filter((answer) => answer.replayed === null)).toHaveLength(1);
  expect(await usersWithKey(key)).toBe(1);
});

test('a key whose user was deleted since is refused, not answered with a deleted user or a new one', async () => {
  const key = randomUUID();
  const first = await create(grace, key);
  expect((await call(api.url, 'DELETE', `/users/${first.body.id}`)).status).toBe(204);
  const again = await create(grace, key);
  expect(again.status).toBe(422);
  expect(again.body.error.message).toContain('deleted');
  expect(await usersWithKey(key)).toBe(1);
});

test('without a key every create makes a user, as before', async () => {
  const first = await call(api.url, 'POST', '/users', grace);
  const second = await call(api.url, 'POST', '/users', grace);
  expect(first.status).toBe(201);
  expect(second.status).toBe(201);
  expect(second.body.id).not.toBe(first.body.id);
});

test.each([
  ['empty', ''],
  ['with a space', 'two words'],
  ['over 255 characters', 'k'.repeat(256)],
  ['not ASCII', 'clé-unique'],
])('a key %s is refused with 400 naming the header', async (_label, key) => {
  const response = await fetch(`${api.url}/users`, {
    method: 'POST',
    // fetch refuses header values outside Latin-1; the non-ASCII case is sent as UTF-8 bytes read as Latin-1.
    headers: {
      ...AUTHORIZATION,
      'content-type': 'application/json',
      'idempotency-key': Buffer.from(key).toString('latin1'),
    },
    body: JSON.stringify(grace),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: {
      code: 'validation_failed',
      message: 'a header is not valid',
      details: [{ path: 'idempotency-key', message: expect.any(String) }],
    },
  });
});

test('a create whose run could not be started (Temporal did not answer) and is retried gets its user, with its workflow started', async () => {
  const taskQueue = uniqueTaskQueue('idempotent-create-503');
  let temporalDown = true;
  let attempted: () => void;
  const startAttempted = new Promise<void>((resolve) => (attempted = resolve));
  /** The real workflows, with Temporal "down" for starts until the test brings it back. */
  class FlakyStarts extends GreetingWorkflows {
    override start(user: User) {
      attempted();
      if (temporalDown) return Promise.reject(new Error('deadline exceeded'));
      return super.start(user, 'birthday');
    }
  }
  const app = createServiceApp({
    planning: TEST_PLANNING,
    apiKeys: [TEST_API_KEY],
    db: api.db,
    workflows: new FlakyStarts(api.env.client, { taskQueue, callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS }),
    log: silentLog,
    metrics: createServiceMetrics(),
  });
  const server = await startHttpServer(app, '127.0.0.1', 0);
  try {
    const key = randomUUID();
    // Saved and planned: the 201. Its run's start fails after the answer, and the row stays flagged.
    const first = await create(grace, key, server.url);
    expect(first.status).toBe(201);
    await startAttempted;
    expect(
      (await api.db.user.findUniqueOrThrow({ where: { id: first.body.id } })).workflowSyncRequestedAt,
    ).not.toBeNull();

    temporalDown = false;
    const again = await create(grace, key, server.url);
    expect(again).toMatchObject({ status: 201, replayed: 'true', body: { id: first.body.id } });
    expect(await usersWithKey(key)).toBe(1);
    const run = await api.env.client.workflow.getHandle(workflowIdFor(first.body.id, 'birthday')).describe();
    expect(run.status.name).toBe('RUNNING');
  } finally {
    await server.close();
  }
});
