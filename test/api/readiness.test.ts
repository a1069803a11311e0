import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import { useDevServer } from '../support/dev-server';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { eventually } from '../support/real-time';
import { call, startApi } from '../support/service';

// GET /ready against the real dev server (the time-skipping test server does not describe task queues): ready
// means a user created now gets a plan, so a worker must be polling the task queue, not only Temporal answering.
let env: TestWorkflowEnvironment;
let db: Db;
useDevServer((setup) => ({ env, db } = setup));

let api: RunningHttpServer;
const taskQueue = uniqueTaskQueue('readiness');

beforeAll(async () => {
  api = await startApi(env, { db, taskQueue });
});

afterAll(async () => {
  await api?.close();
});

test('GET /ready is 503 naming the worker until a worker polls the task queue, then 200', async () => {
  const before = await call(api.url, 'GET', '/ready');
  expect(before).toEqual({
    status: 503,
    body: {
      status: 'unavailable',
      checks: {
        postgres: { status: 'up' },
        temporal: { status: 'up' },
        worker: { status: 'down', error: `no worker polls task queue "${taskQueue}" for workflow tasks` },
      },
      timeZoneData: process.versions.tz,
    },
  });

  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    const ready = await eventually(async () => {
      const answer = await call(api.url, 'GET', '/ready');
      return answer.status === 200 ? answer : undefined;
    }, 'the worker to poll');
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up' }, temporal: { status: 'up' }, worker: { status: 'up' } },
      // The IANA release the API plans with, as Node's ICU carries it (e.g. 2026e).
      timeZoneData: expect.stringMatching(/^20\d\d[a-z]$/),
    });
  });
});
