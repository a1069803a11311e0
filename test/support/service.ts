import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { startHttpServer, type RunningHttpServer } from '../../src/http/http-server';
import {
  createService,
  TEMPORAL_CALL_TIMEOUT_MS,
  type Service,
  type ServiceAppOptions,
} from '../../src/api/service-app';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import type { FirstPlanning } from '../../src/users/user-service';
import { DueDispatchers } from '../../src/temporal/due-dispatchers';
import type { Worker } from '@temporalio/worker';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { createTestWorker, startTimeSkippingServer, testDb, uniqueTaskQueue } from './environment';
import { silentLog } from './silent-log';

/** A name made of letters only (names may not hold digits): 0 → A, 25 → Z, 26 → BA. */
export function letterName(prefix: string, index: number): string {
  let letters = '';
  let rest = index;
  do {
    letters = String.fromCharCode(65 + (rest % 26)) + letters;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return `${prefix}${letters}`;
}

export { silentLog } from './silent-log';

/** The API key every test app accepts (API_KEYS), and the header that carries it. */
export const TEST_API_KEY = 'test-key-of-the-yearly-greetings-suite';
export const AUTHORIZATION = { authorization: `Bearer ${TEST_API_KEY}` };

/** The users' workflows as the API drives them, through `client` on `taskQueue`. */
export function apiWorkflows(client: Client, taskQueue: string): GreetingWorkflows {
  return new GreetingWorkflows(client, { taskQueue, callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS });
}

/**
 * How the test API plans a create: the settings createTestWorker gives its workers (09:00, no hand-over window), no
 * dispatchers (a test that wants them passes its own).
 */
export const TEST_PLANNING: FirstPlanning = { settings: { deliveryTime: '09:00', handOverWindowMs: 0 } };

/** The real API as every test builds it (the test key, a silent log, metrics of its own), unless given. */
function testService(options: Pick<ServiceAppOptions, 'db' | 'workflows'> & Partial<ServiceAppOptions>) {
  return createService({
    apiKeys: [TEST_API_KEY],
    log: silentLog,
    metrics: createServiceMetrics(),
    planning: TEST_PLANNING,
    ...options,
  });
}

/**
 * The service over real HTTP on a free loopback port; closing it ends the starts of its last creates' runs as a
 * stopping process does (those running finish, those waiting are left flagged) before the test closes connections.
 */
export async function serveOnLoopback(service: Service): Promise<RunningHttpServer> {
  const server = await startHttpServer(service.app, '127.0.0.1', 0);
  return {
    ...server,
    close: async () => {
      await server.close();
      await service.stopStarts();
    },
  };
}

/** The real API, on these workflows and with this admission control, over real HTTP on a free loopback port. */
export function startApiWith(
  options: Pick<ServiceAppOptions, 'db' | 'workflows' | 'admission'> & Partial<ServiceAppOptions>,
) {
  return serveOnLoopback(testService(options));
}

/** The settings of the workers a test API serves, which a create plans with (createTestWorker's by default). */
export interface WorkerSettings {
  deliveryTime?: string;
  handOverWindowMs?: number;
  /** DISPATCH_PASSES: the dispatchers the API starts run this many passes (2, as createTestWorker's). */
  dispatchPasses?: number;
}

/**
 * How a test API plans a create for workers with these settings: as createTestWorker's workers plan, with their
 * dispatchers on the dev server (passes 2, retries within the hand-over window) and none with time skipping.
 */
export function testPlanning(env: TestWorkflowEnvironment, taskQueue: string, worker: WorkerSettings = {}) {
  const handOverWindowMs = worker.handOverWindowMs ?? 0;
  const planning: FirstPlanning = { settings: { deliveryTime: worker.deliveryTime ?? '09:00', handOverWindowMs } };
  if (!env.supportsTimeSkipping) {
    const passes = worker.dispatchPasses ?? 2;
    planning.dispatchers = new DueDispatchers(env.client, { taskQueue, passes, retryHorizonMs: handOverWindowMs });
  }
  return planning;
}

/**
 * The real API over real HTTP on a free loopback port, talking to the test's Postgres and Temporal; its creates plan
 * with the settings of the workers it serves.
 */
export function startApi(
  env: TestWorkflowEnvironment,
  options: { db: Db; taskQueue: string; worker?: WorkerSettings },
): Promise<RunningHttpServer> {
  const service = testService({
    db: options.db,
    workflows: apiWorkflows(env.client, options.taskQueue),
    planning: testPlanning(env, options.taskQueue, options.worker),
  });
  return serveOnLoopback(service);
}

/**
 * The real API's app on `db`, wired to a time-skipping server that has since stopped: every call to Temporal fails,
 * as when Temporal does not answer (tests call `app.request()` on it).
 */
export async function appWithTemporalGone(db: Db) {
  const gone = await startTimeSkippingServer();
  const { app } = testService({ db, workflows: apiWorkflows(gone.client, 'nowhere') });
  await gone.teardown();
  return app;
}

export interface ApiUnderTest {
  /** Base URL of the API. */
  url: string;
  db: Db;
  env: TestWorkflowEnvironment;
}

/**
 * The real API on the time-skipping server (or the one `startServer` starts) and the file's Postgres for every test
 * of the calling file: started in beforeAll, stopped in afterAll.
 */
export function apiForThisFile(
  label: string,
  startServer: () => Promise<TestWorkflowEnvironment> = startTimeSkippingServer,
): ApiUnderTest {
  const running = {} as ApiUnderTest;
  let server: RunningHttpServer | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  beforeAll(async () => {
    running.env = await startServer();
    running.db = testDb();
    const taskQueue = uniqueTaskQueue(label);
    server = await startApi(running.env, { db: running.db, taskQueue });
    running.url = server.url;
    // PUT answers with the workflow's new plan, so a worker runs; no birthday in these files comes due meanwhile.
    worker = await createTestWorker(running.env, {
      db: running.db,
      taskQueue,
      webhookUrl: 'http://127.0.0.1:9/never-called',
    });
    workerRun = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await server?.close();
    await running.env?.teardown();
    await running.db?.$disconnect();
  });
  return running;
}

/** A JSON request to the API; returns the status and the parsed body (null when empty). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? AUTHORIZATION : { ...AUTHORIZATION, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export interface ListPage {
  items: any[];
  nextCursor: string | null;
}

/**
 * Follows nextCursor from the first page of `path` to the last and returns every page; `query` is kept on each
 * request. `betweenPages` runs after each page but the last.
 */
export async function allPages(
  baseUrl: string,
  path: string,
  query: Record<string, string>,
  betweenPages?: (pagesSoFar: ListPage[]) => Promise<void>,
): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, ...(cursor !== null && { cursor }) });
    const { status, body } = await call(baseUrl, 'GET', `${path}?${params.toString()}`);
    if (status !== 200) throw new Error(`GET ${path}?${params.toString()} answered ${status}: ${JSON.stringify(body)}`);
    pages.push(body);
    cursor = body.nextCursor;
    if (pages.length > 1_000) throw new Error(`GET ${path} did not reach its last page in 1000 pages`);
    if (cursor !== null) await betweenPages?.(pages);
  } while (cursor !== null);
  return pages;
}

/**
 * What a PUT takes, from the user as GET (or a create) answers it: every field but those the service sets (the id,
 * the instants, the pause, which has routes of its own, the plan a create answers with).
 */
export function putBodyOf(user: Record<string, unknown>): Record<string, unknown> {
  const {
    id: _id,
    createdAt: _created,
    updatedAt: _updated,
    paused: _paused,
    pausedAt: _pausedAt,
    pauseReason: _pauseReason,
    nextDelivery: _nextDelivery,
    ...body
  } = user;
  return body;
}
