import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { startHttpServer, type RunningHttpServer } from '../../src/http/http-server';
import { createServiceApp } from '../../src/api/service-app';
import type { Db } from '../../src/db/client';
import { componentLog } from '../../src/logging/log';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { captureLog, type CapturedLog } from '../support/captured-log';
import { uniqueTaskQueue } from '../support/environment';
import { sample, scrape } from '../support/metrics-text';
import { apiWorkflows, call, AUTHORIZATION, TEST_API_KEY, TEST_PLANNING } from '../support/service';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;
let captured: CapturedLog;
let api: RunningHttpServer;

useTimeSkippingServer({}, (started) => ({ env, db } = started));

beforeAll(async () => {
  captured = captureLog('debug');
  const app = createServiceApp({
    planning: TEST_PLANNING,
    apiKeys: [TEST_API_KEY],
    db,
    workflows: apiWorkflows(env.client, uniqueTaskQueue('api-observability')),
    log: componentLog(captured.root, 'api'),
    metrics: createServiceMetrics(),
  });
  api = await startHttpServer(app, '127.0.0.1', 0);
});

afterAll(async () => {
  await api?.close();
});

const person = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

test('GET /metrics shows request durations by method, route pattern and status, never the raw path', async () => {
  const created = await call(api.url, 'POST', '/users', person);
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await call(api.url, 'GET', `/users/${id}`)).status).toBe(200);
  expect((await call(api.url, 'GET', `/users/${id}`)).status).toBe(200);
  expect((await call(api.url, 'GET', `/users/${randomUUID()}`)).status).toBe(404);
  expect((await call(api.url, 'GET', `/users/${id}/deliveries`)).status).toBe(200);
  expect((await call(api.url, 'GET', '/no/such/route')).status).toBe(404);

  const text = await scrape(`${api.url}/metrics`, AUTHORIZATION);
  const count = (method: string, route: string, status: string) =>
    sample(text, 'http_request_duration_seconds_count', { method, route, status });
  expect(count('POST', '/users', '201')).toBe(1);
  expect(count('GET', '/users/:id', '200')).toBe(2);
  expect(count('GET', '/users/:id', '404')).toBe(1);
  expect(count('GET', '/users/:id/deliveries', '200')).toBe(1);
  expect(count('GET', 'unmatched', '404')).toBe(1);
  expect(
    sample(text, 'http_request_duration_seconds_sum', { method: 'GET', route: '/users/:id', status: '200' }),
  ).toBeGreaterThan(0);
  expect(text).not.toContain(id);
  expect(text).not.toContain('/no/such/route');
});

test('GET /metrics names the IANA time-zone data release the process computes with', async () => {
  const text = await scrape(`${api.url}/metrics`, AUTHORIZATION);
  expect(sample(text, 'greetings_time_zone_data_info', { version: process.versions.tz! })).toBe(1);
  expect(process.versions.tz).toMatch(/^20\d\d[a-z]$/);
});

test('each request is logged once with method, route pattern, status and duration, and no personal data', async () => {
  const created = await call(api.url, 'POST', '/users', { ...person, firstName: 'Grace', lastName: 'Hopper' });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await call(api.url, 'DELETE', `/users/${id}`)).status).toBe(204);
  expect((await call(api.url, 'GET', '/health')).status).toBe(200);

  const lines = captured.records().filter((record) => record.msg === 'request');
  const posts = lines.filter((record) => record.method === 'POST' && record.status === 201);
  expect(posts.at(-1)).toMatchObject({
    level: 'info',
    component: 'api',
    route: '/users',
    durationMs: expect.any(Number),
  });
  expect(lines.filter((record) => record.method === 'DELETE')).toEqual([
    expect.objectContaining({ level: 'info', route: '/users/:id', status: 204, durationMs: expect.any(Number) }),
  ]);
  // Probes are logged too, but only at debug.
  expect(lines.filter((record) => record.route === '/health').at(-1)).toMatchObject({ level: 'debug', status: 200 });
  expect(JSON.stringify(lines)).not.toContain(id);
  const everything = JSON.stringify(captured.records());
  for (const personal of ['Grace', 'Hopper', 'Europe/London', '1990-12-10']) expect(everything).not.toContain(personal);
});
