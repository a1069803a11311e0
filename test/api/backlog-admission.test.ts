import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import { TEMPORAL_CALL_TIMEOUT_MS } from '../../src/api/service-app';
import type { Db } from '../../src/db/client';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { ChangeAdmission } from '../../src/users/change-admission';
import { useDevServer } from '../support/dev-server';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { eventually } from '../support/real-time';
import { createUserRow } from '../support/fixtures';
import { untilRunsStarted } from '../support/runs-started';
import { AUTHORIZATION, call, startApiWith } from '../support/service';
import { silentLog } from '../support/silent-log';
import { reconcile } from '../../src/reconciler/reconcile';
import { workflowIdFor } from '../../src/greetings/ids';
import { scheduleStateQuery } from '../../src/workflows/definitions';

// Past API_MAX_WORKFLOW_BACKLOG workflow tasks waiting for a worker, a change that waits for its workflow (a PUT that
// moves the date) is refused (429) before anything is saved. A create waits for no worker (it is planned with the
// row, its run starts in a start delay after the 201), and a person's stop (DELETE, pause) is never refused that way:
// it is saved, and only the workflows hear of it later.

let env: TestWorkflowEnvironment;
let db: Db;
useDevServer((setup) => ({ env, db } = setup));

const taskQueue = uniqueTaskQueue('backlog-admission');
let workflows: GreetingWorkflows;
let api: RunningHttpServer;

beforeAll(async () => {
  workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS });
  const admission = new ChangeAdmission({
    inFlight: 8,
    waiting: 8,
    maxBacklog: 2,
    backlog: () => workflows.workflowTaskBacklog(),
  });
  api = await startApiWith({ db, workflows, admission });
});

afterAll(async () => {
  await api?.close();
});

const person = (lastName: string) => ({
  firstName: 'Backlog',
  lastName,
  birthday: '1990-06-15',
  timezone: 'Europe/Paris',
});

/** Three runs started to plan for themselves with no worker polling: three workflow tasks waiting. */
async function backlogOfThree(names: string[]): Promise<void> {
  for (const name of names) await workflows.start(await createUserRow(db, person(name)), 'birthday');
  await eventually(
    async () => ((await workflows.workflowTaskBacklog()) >= 3 ? true : undefined),
    'three first plans waiting on the task queue',
    10_000,
  );
  // The API reads the backlog at most once a second: past that, its reading holds the three.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}

test('while the workers are behind, a PUT is refused with 429 and a create is taken; the PUT goes through once they caught up', async () => {
  const created = await call(api.url, 'POST', '/users', person('Early'));
  expect(created.status).toBe(201);
  await untilRunsStarted(db, created.body.id);
  await backlogOfThree(['One', 'Two', 'Three']);

  const moved = { ...person('Early'), birthday: '1990-06-16' };
  const refused = await fetch(`${api.url}/users/${created.body.id}`, {
    method: 'PUT',
    headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify(moved),
  });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toEqual({
    error: { code: 'overloaded', message: expect.stringContaining('workflow tasks behind'), details: [] },
  });
  expect(await db.user.findUniqueOrThrow({ where: { id: created.body.id } })).toMatchObject({
    birthday: new Date('1990-06-15'),
  });

  // A create waits for no worker: saved and planned, its run started in a start delay (no task added).
  const taken = await call(api.url, 'POST', '/users', person('Four'));
  expect(taken).toMatchObject({ status: 201, body: { nextDelivery: { localDate: expect.stringMatching(/-06-15$/) } } });
  await untilRunsStarted(db, taken.body.id);
  expect((await env.client.workflow.getHandle(workflowIdFor(taken.body.id, 'birthday')).describe()).historyLength).toBe(
    1,
  );

  // A worker arrives and plans the three; the PUT goes through.
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(
    eventually(
      async () => ((await call(api.url, 'PUT', `/users/${created.body.id}`, moved)).status === 200 ? true : undefined),
      'the PUT taken once the worker caught up',
      30_000,
    ),
  );
  expect(await db.user.findUniqueOrThrow({ where: { id: created.body.id } })).toMatchObject({
    birthday: new Date('1990-06-16'),
  });
});

test('while the workers are behind, DELETE, pause and resume are saved and answered 202; the reconciler tells the workflows', async () => {
  const create = async (name: string) => (await call(api.url, 'POST', '/users', person(name))).body.id as string;
  const gone = await create('Gone');
  const paused = await create('Paused');
  await untilRunsStarted(db, gone);
  await untilRunsStarted(db, paused);
  await backlogOfThree(['Five', 'Six', 'Seven']);
  const moved = { ...person('Paused'), birthday: '1990-06-16' };
  expect((await call(api.url, 'PUT', `/users/${paused}`, moved)).status).toBe(429);

  const deleted = await call(api.url, 'DELETE', `/users/${gone}`);
  expect(deleted).toEqual({ status: 202, body: { id: gone, deleted: true, message: expect.any(String) } });
  expect(await db.user.findUniqueOrThrow({ where: { id: gone } })).toMatchObject({
    deletedAt: expect.any(Date),
    workflowSyncRequestedAt: expect.any(Date),
  });
  expect((await call(api.url, 'GET', `/users/${gone}`)).status).toBe(404);
  // Its armed year is closed with the deletion: no dispatcher or run will send it.
  expect((await db.delivery.findMany({ where: { userId: gone } })).map((row) => row.status)).toEqual(['cancelled']);

  const pause = await call(api.url, 'POST', `/users/${paused}/pause`, { reason: 'asked to stop' });
  expect(pause).toMatchObject({ status: 202, body: { id: paused, paused: true, pauseReason: 'asked to stop' } });
  expect(await db.delivery.count({ where: { userId: paused, status: 'scheduled' } })).toBe(0);
  const resume = await call(api.url, 'POST', `/users/${paused}/resume`);
  expect(resume).toMatchObject({ status: 202, body: { id: paused, paused: false } });
  const pauseAgain = await call(api.url, 'POST', `/users/${paused}/pause`, { reason: 'asked to stop' });
  expect(pauseAgain).toMatchObject({ status: 202, body: { paused: true } });

  // Once a worker drains the backlog, one reconciler pass cancels the deleted user's run and nudges the paused one.
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    const report = await reconcile(
      { db, client: env.client, workflows, taskQueue, log: silentLog, graceMs: 0 },
      { fullSweep: false },
    );
    expect(report).toMatchObject({ failed: 0 });
    // The pass asked for the cancel; the run carries it out at its next workflow task, behind the backlog's.
    await eventually(async () => {
      const { status } = await env.client.workflow.getHandle(workflowIdFor(gone, 'birthday')).describe();
      return status.name === 'RUNNING' ? undefined : status.name;
    }, "the deleted user's run to end");
    const state = await env.client.workflow.getHandle(workflowIdFor(paused, 'birthday')).query(scheduleStateQuery);
    expect(state.paused).toMatchObject({ reason: 'asked to stop' });
  });
  expect(await db.user.count({ where: { id: { in: [gone, paused] }, workflowSyncRequestedAt: { not: null } } })).toBe(
    0,
  );
});
