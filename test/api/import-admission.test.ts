import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import { ChangeAdmission } from '../../src/users/change-admission';
import { uniqueTaskQueue } from '../support/environment';
import { apiWorkflows, call, startApiWith } from '../support/service';
import { useTimeSkippingServer } from '../support/time-skipping-server';

// An import goes through admission control as each create does: with room for one change at a time and none
// waiting, its rows are refused over and over, and it waits for room rather than failing them or saving half.

let env: TestWorkflowEnvironment;
let db: Db;
useTimeSkippingServer({}, (started) => ({ env, db } = started));

let api: RunningHttpServer;

beforeAll(async () => {
  const workflows = apiWorkflows(env.client, uniqueTaskQueue('import-admission'));
  api = await startApiWith({ db, workflows, admission: new ChangeAdmission({ inFlight: 1, waiting: 0 }) });
});

afterAll(async () => {
  await api?.close();
});

test('rows refused by admission control wait their Retry-After and are all created, each once', async () => {
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const rows = Array.from({ length: 6 }, (_, index) => ({
    firstName: 'Grace',
    lastName: 'Hopper',
    birthday: '1906-12-09',
    timezone: 'America/New_York',
    email: `admitted-${index}-${tag}@example.com`,
  }));
  const report = await call(api.url, 'POST', '/users/import', rows);
  expect(report.status).toBe(200);
  expect(report.body).toMatchObject({ created: 6, updated: 0, unchanged: 0, refused: 0 });
  expect(await db.user.count({ where: { email: { endsWith: `-${tag}@example.com` } } })).toBe(6);
});
