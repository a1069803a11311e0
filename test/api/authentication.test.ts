import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApiKeys } from '../../src/api/api-keys';
import { startHttpServer, type RunningHttpServer } from '../../src/http/http-server';
import { createServiceApp } from '../../src/api/service-app';
import { componentLog } from '../../src/logging/log';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { captureLog, type CapturedLog } from '../support/captured-log';
import { uniqueTaskQueue } from '../support/environment';
import { apiForThisFile, apiWorkflows, TEST_PLANNING } from '../support/service';

// Every route but the probes and the docs needs `Authorization: Bearer <key>` with one of API_KEYS.

const api = apiForThisFile('authentication');
const OLD_KEY = 'old-key-still-valid-while-rotating';
const NEW_KEY = 'new-key-the-clients-move-to-now';
let captured: CapturedLog;
let server: RunningHttpServer;

beforeAll(async () => {
  captured = captureLog('debug');
  const app = createServiceApp({
    planning: TEST_PLANNING,
    apiKeys: [OLD_KEY, NEW_KEY],
    db: api.db,
    workflows: apiWorkflows(api.env.client, uniqueTaskQueue('authentication')),
    log: componentLog(captured.root, 'api'),
    metrics: createServiceMetrics(),
  });
  server = await startHttpServer(app, '127.0.0.1', 0);
});

afterAll(async () => {
  await server?.close();
});

const request = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
  fetch(`${server.url}${target}`, { method, headers, body });

/** Every operation of the OpenAPI document, its path parameters filled in, and whether it requires a key. */
async function operations(): Promise<{ method: string; target: string; secured: boolean }[]> {
  const document = (await (await request('GET', '/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  return Object.entries(document.paths).flatMap(([template, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      method: method.toUpperCase(),
      target: template.replace(/\{[^}]+\}/g, () => randomUUID()),
      secured: (operation.security ?? []).length > 0,
    })),
  );
}

test('every operation but the probes and the docs answers 401 without a key, with the error body and WWW-Authenticate', async () => {
  const all = await operations();
  expect(all.filter((operation) => !operation.secured).map((operation) => operation.target)).toEqual(
    expect.arrayContaining(['/health', '/ready', '/openapi.json', '/docs']),
  );
  const secured = all.filter((operation) => operation.secured);
  expect(secured.length).toBeGreaterThan(15);
  for (const { method, target } of secured) {
    const response = await request(method, target);
    expect({ method, target, status: response.status }).toEqual({ method, target, status: 401 });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="yearly-greetings"');
    expect(await response.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer'), details: [] },
    });
  }
});

test.each([
  ['a wrong key', { authorization: 'Bearer not-one-of-the-keys-at-all' }],
  ['a key with a letter changed', { authorization: `Bearer ${NEW_KEY.slice(0, -1)}X` }],
  ['a prefix of a key', { authorization: `Bearer ${NEW_KEY.slice(0, 10)}` }],
  ['a key with more after it', { authorization: `Bearer ${NEW_KEY}x` }],
  ['an empty bearer', { authorization: 'Bearer ' }],
  ['the key in another scheme', { authorization: `Basic ${NEW_KEY}` }],
  ['the key without a scheme', { authorization: NEW_KEY }],
])('%s is refused with 401 invalid_token', async (_label, headers) => {
  const response = await request('GET', '/users', headers);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="yearly-greetings", error="invalid_token"');
});

test('both keys of a rotation are accepted, the scheme in any letter case', async () => {
  for (const authorization of [`Bearer ${OLD_KEY}`, `Bearer ${NEW_KEY}`, `bearer ${NEW_KEY}`]) {
    expect((await request('GET', '/users', { authorization })).status).toBe(200);
  }
});

test('nothing about the API is learnt without a key: an unknown path or an oversized body answers 401 too', async () => {
  expect((await request('GET', '/no-such-route')).status).toBe(401);
  expect((await request('POST', '/users', { 'content-type': 'application/json' }, 'x'.repeat(100_000))).status).toBe(
    401,
  );
  // With a key, the same requests get their real answers.
  const authorization = `Bearer ${NEW_KEY}`;
  expect((await request('GET', '/no-such-route', { authorization })).status).toBe(404);
});

test('the probes and the docs answer without a key', async () => {
  expect((await request('GET', '/health')).status).toBe(200);
  expect((await request('GET', '/ready')).status).not.toBe(401);
  expect((await request('GET', '/openapi.json')).status).toBe(200);
  expect((await request('GET', '/docs')).status).toBe(200);
});

test('no key, good or bad, ever reaches the log', async () => {
  await request('GET', '/users', { authorization: `Bearer ${NEW_KEY}` });
  await request('GET', '/users', { authorization: 'Bearer a-guess-that-is-wrong-1234' });
  const logged = JSON.stringify(captured.records());
  expect(logged).toContain('/users');
  for (const secret of [NEW_KEY, OLD_KEY, 'a-guess-that-is-wrong-1234']) expect(logged).not.toContain(secret);
});

describe('ApiKeys', () => {
  test('matches each key, by its place in the list, and nothing near it', () => {
    const keys = new ApiKeys(['first-key-0123456789', 'second-key-0123456789']);
    expect(keys.match('first-key-0123456789')).toBe(0);
    expect(keys.match('second-key-0123456789')).toBe(1);
    for (const near of ['', 'first-key-012345678', 'first-key-0123456789 ', 'FIRST-KEY-0123456789']) {
      expect(keys.match(near)).toBeNull();
    }
  });

  test('cannot be made without a key', () => {
    expect(() => new ApiKeys([])).toThrow('at least one API key');
  });
});

test('npm run api refuses to start without API_KEYS, and says why', () => {
  const { API_KEYS: _unset, ...environment } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: environment,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('API_KEYS is not set');
});
