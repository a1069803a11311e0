import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createDb, type Db } from '../../src/db/client';
import type { RunningHttpServer } from '../../src/http/http-server';
import { createReconcilerMetrics } from '../../src/metrics/reconciler-metrics';
import { createTestWorker, isolatedTestDatabaseUrl, startDevServer, testDb, uniqueTaskQueue } from './environment';
import { dueSoon, type DueSoon } from './real-time';
import { silentLog, startApi } from './service';
import { startTestReceiver, type ReceiverOptions, type TestReceiver } from './test-receiver';

const HOUR_MS = 3_600_000;

export interface DevServerSetup {
  env: TestWorkflowEnvironment;
  /** The run's shared Postgres. */
  db: Db;
}

/**
 * A real dev server (each run it holds replayed against the current code at teardown) and the run's Postgres for the
 * calling file's tests, handed to `use` once up; torn down, and Postgres disconnected, after the file. Declare it
 * before the file's own hooks, so the server is up when they run.
 */
export function useDevServer(use: (setup: DevServerSetup) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    db = testDb();
    env = await startDevServer();
    use({ env, db });
  });
  afterAll(async () => {
    await env?.teardown();
    await db?.$disconnect();
  });
}

export interface ServiceOnDevServer {
  env: TestWorkflowEnvironment;
  /** A database of its own, beside the file's: what the service reads and writes. */
  db: Db;
  /** Its URL, for the service's own processes a test runs (`npm run reconcile` looks at every user in it). */
  databaseUrl: string;
  taskQueue: string;
  api: RunningHttpServer;
  /** Where the worker delivers. */
  receiver: TestReceiver;
  /** The worker's DELIVERY_TIME, and a person whose greeting it makes due `dueInSeconds` after start-up. */
  due: DueSoon;
}

/**
 * The whole service on a real dev server, in real time, for the calling file's tests: a database of its own, the API
 * and a worker (running in the background) on a task queue named after `label`, the worker delivering to a test
 * receiver that answers as `receiver` says. Handed to `use` once up; stopped after the file, the worker first, the
 * server last. Declare it before the file's own hooks, so the service is up when they run.
 */
export function useServiceOnDevServer(
  options: {
    label: string;
    dueInSeconds: number;
    receiver?: ReceiverOptions;
    /** The worker's HAND_OVER_WINDOW: each user's run wakes this long after the instant at most (0 by default). */
    handOverWindowMs?: number;
    /** The worker runs the fleet's reconciler (its Schedules, each once an hour and once at start). */
    reconciler?: boolean;
  },
  use: (service: ServiceOnDevServer) => void,
): void {
  let env: TestWorkflowEnvironment | undefined;
  let db: Db | undefined;
  let receiver: TestReceiver | undefined;
  let api: RunningHttpServer | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  beforeAll(async () => {
    env = await startDevServer();
    const databaseUrl = await isolatedTestDatabaseUrl(options.label);
    db = createDb(databaseUrl);
    const taskQueue = uniqueTaskQueue(options.label);
    // The worker owns DELIVERY_TIME: chosen right before it starts.
    const due = dueSoon(options.dueInSeconds);
    receiver = await startTestReceiver(options.receiver);
    api = await startApi(env, {
      db,
      taskQueue,
      worker: { deliveryTime: due.deliveryTime, handOverWindowMs: options.handOverWindowMs },
    });
    worker = await createTestWorker(env, {
      db,
      taskQueue,
      webhookUrl: receiver.url,
      deliveryTime: due.deliveryTime,
      handOverWindowMs: options.handOverWindowMs,
      ...(options.reconciler && {
        reconciler: {
          client: env.client,
          intervalMs: HOUR_MS,
          fullSweepIntervalMs: HOUR_MS,
          log: silentLog,
          metrics: createReconcilerMetrics(new Registry()),
        },
      }),
    });
    workerRun = worker.run();
    use({ env, db, databaseUrl, taskQueue, api, receiver, due });
  });
  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await api?.close();
    await receiver?.close();
    await db?.$disconnect();
    await env?.teardown();
  });
}
