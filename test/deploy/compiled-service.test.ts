import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb } from '../../src/db/client';
import { startDevServer, testDb, uniqueTaskQueue, TEST_WEBHOOK_SECRET } from '../support/environment';
import { freePort } from '../support/free-port';
import { compiledCommandOf, compiledFileOf, entryFileOf, projectRoot } from '../support/package-scripts';
import { runProcess } from '../support/run-process';
import { call, TEST_API_KEY } from '../support/service';
import { ServiceProcess } from '../support/service-process';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';
import { startWorkerProcess, waitUntilPolling, type WorkerProcess } from '../support/worker-process';

// What the image runs (see the Dockerfile): `npm run build`, then the compiled entry files with node alone, no tsx.
// The migration runner, the API and the worker start from dist/ against a real Postgres and Temporal dev server, and
// a user created through the compiled API is planned by the compiled worker.

const compiled = (script: string) => compiledFileOf(entryFileOf(script));

let env: TestWorkflowEnvironment;
let databaseUrl: string;
let receiver: TestReceiver;
let api: ServiceProcess | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  const build = await runProcess('npm', ['run', 'build'], { timeoutMs: 300_000 });
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  // A database of its own, not yet migrated: the compiled migration runner does it.
  const name = `test_compiled_${process.pid}`;
  const admin = testDb();
  try {
    await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.$disconnect();
  }
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  env = await startDevServer();
  receiver = await startTestReceiver();
}, 360_000);

afterAll(async () => {
  api?.kill();
  await worker?.stop();
  await receiver?.close();
  await env?.teardown();
});

/** Only what a container gets: no loader flags, no TypeScript, the settings in the environment. */
function settings(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, ...extra };
}

test('the compiled migration runner applies every migration once', async () => {
  const migrations = readdirSync(path.join(projectRoot, 'prisma/migrations'), { withFileTypes: true }).filter((entry) =>
    entry.isDirectory(),
  );
  const first = await runProcess(process.execPath, [compiled('migrate')], { env: settings({}) });
  expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
  const again = await runProcess(process.execPath, [compiled('migrate')], { env: settings({}) });
  expect(again.code).toBe(0);
  const db = createDb(databaseUrl);
  try {
    const applied = await db.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL`;
    expect(Number(applied[0]!.n)).toBe(migrations.length);
  } finally {
    await db.$disconnect();
  }
});

test('the compiled API and worker serve a user end to end', async () => {
  const taskQueue = uniqueTaskQueue('compiled');
  const temporal = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue };
  const port = await freePort();
  api = new ServiceProcess(
    compiled('api'),
    settings({ ...temporal, HOST: '127.0.0.1', PORT: String(port), API_KEYS: TEST_API_KEY }),
  );
  await api.waitForOutput('API listening', 60_000);
  const url = `http://127.0.0.1:${port}`;

  worker = await startWorkerProcess(
    settings({ ...temporal, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }) as Record<string, string>,
    // As the worker container runs it: node, the worker's node flags, the compiled file.
    compiledCommandOf('worker').slice(1),
  );
  await waitUntilPolling(env.client, taskQueue, worker);

  expect((await call(url, 'GET', '/ready')).status).toBe(200);
  const created = await call(url, 'POST', '/users', {
    firstName: 'Grace',
    lastName: 'Hopper',
    birthday: '1906-12-09',
    timezone: 'America/New_York',
  });
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  // Planned by the compiled worker's local activity, read back through the compiled API.
  const next = await call(url, 'GET', `/users/${id}/next-delivery`);
  expect(next.status).toBe(200);
  expect(next.body).toMatchObject({
    eventType: 'birthday',
    timezone: 'America/New_York',
    occurrenceDate: expect.stringMatching(/-12-09$/),
  });
  expect((await call(url, 'GET', '/openapi.json')).status).toBe(200);
});
