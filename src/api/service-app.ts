import type { Hono } from 'hono';
import type { Db } from '../db/client';
import type { Log } from '../logging/log';
import { metricsExposition } from '../metrics/exposition';
import type { ServiceMetrics } from '../metrics/service-metrics';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';
import { UserSchedule } from '../users/user-schedule';
import type { Config } from '../config/config';
import { ChangeAdmission } from '../users/change-admission';
import { UserImport } from '../users/user-import';
import { UserService, type FirstPlanning } from '../users/user-service';
import { DueDispatchers } from '../temporal/due-dispatchers';
import type { Client } from '@temporalio/client';
import { userFieldNames } from './schemas';
import { ApiKeys } from './api-keys';
import { KeyRateLimiter, type RateLimit } from './rate-limit';
import { createApp } from './app';

export interface ServiceAppOptions {
  /** API_KEYS (or `npm start`'s local key): every request but /health, /ready and the docs must carry one. */
  apiKeys: readonly string[];
  /** API_RATE_LIMIT: requests a second per key (a burst of twice that); unlimited when not given. */
  rateLimit?: RateLimit;
  db: Db;
  /** The users' workflows, each call to Temporal bounded by TEMPORAL_CALL_TIMEOUT_MS (readiness too). */
  workflows: GreetingWorkflows;
  log: Log;
  metrics: ServiceMetrics;
  /** Bounds the changes waiting for Temporal (API_MAX_CHANGES_*); unbounded when not given. */
  admission?: ChangeAdmission;
  /** How a create plans the new user's first occurrences with the row (the workers' settings and dispatchers). */
  planning: FirstPlanning;
  /** The `/metrics` page of `npm start`'s worker process: the API's /metrics shows it too. */
  workerMetricsUrl?: string;
}

/** How long one call to Temporal may take before the API answers 503. */
export const TEMPORAL_CALL_TIMEOUT_MS = 5_000;

/** API_RATE_LIMIT and the admission settings as the API takes them; `workflows` reads the task queue's backlog. */
export function apiLimitsFrom(
  config: Config,
  workflows: GreetingWorkflows,
): Pick<ServiceAppOptions, 'rateLimit' | 'admission'> {
  return {
    ...(config.API_RATE_LIMIT > 0 && {
      rateLimit: { perSecond: config.API_RATE_LIMIT, burst: 2 * config.API_RATE_LIMIT },
    }),
    admission: new ChangeAdmission({
      inFlight: config.API_MAX_CHANGES_IN_FLIGHT,
      waiting: config.API_MAX_CHANGES_WAITING,
      ...(config.API_MAX_WORKFLOW_BACKLOG > 0 && {
        maxBacklog: config.API_MAX_WORKFLOW_BACKLOG,
        backlog: () => workflows.workflowTaskBacklog(),
      }),
    }),
  };
}

/**
 * The planning settings a create uses, from the configuration the workers read (DELIVERY_TIME, LEAP_DAY_POLICY,
 * HAND_OVER_WINDOW), and the dispatchers of the instants it arms, started as the workers' plans start them.
 */
export function firstPlanningFrom(config: Config, client: Client): FirstPlanning {
  return {
    settings: {
      deliveryTime: config.DELIVERY_TIME,
      leapDayPolicy: config.LEAP_DAY_POLICY,
      handOverWindowMs: config.HAND_OVER_WINDOW,
    },
    dispatchers: new DueDispatchers(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      passes: config.DISPATCH_PASSES,
      retryHorizonMs: config.HAND_OVER_WINDOW,
    }),
  };
}

export interface Service {
  app: Hono;
  /**
   * For a process that stops, after its HTTP server closed and before it closes its connection to Temporal: the
   * runs being started are finished, those still waiting are left to the reconciler (their rows stay flagged).
   */
  stopStarts: () => Promise<void>;
}

/** The API wired to the real Postgres and Temporal: what `npm start`, `npm run api` and the tests serve. */
export function createService(options: ServiceAppOptions): Service {
  const { db, workflows } = options;
  const users = new UserService(db, workflows, options.log, {
    admission: options.admission,
    planning: options.planning,
  });
  const app = createApp({
    apiKeys: new ApiKeys(options.apiKeys),
    ...(options.rateLimit && { rateLimiter: new KeyRateLimiter(options.rateLimit) }),
    users,
    userImport: new UserImport(db, users, userFieldNames),
    schedule: new UserSchedule(db, workflows),
    log: options.log,
    httpMetrics: options.metrics.http,
    metrics: metricsExposition(options.metrics.registry, { workerMetricsUrl: options.workerMetricsUrl }),
    readiness: [
      { name: 'postgres', check: async () => void (await db.$queryRaw`SELECT 1`) },
      { name: 'temporal', check: () => workflows.checkReachable() },
      // Ready means a user created now gets a plan: the API never runs a worker, but one must be polling.
      { name: 'worker', check: () => workflows.checkWorkerPolling() },
    ],
    onUnexpectedError: (error) => options.log.error('unexpected error in a request', { error }),
  });
  return { app, stopStarts: () => users.stopStarts() };
}

/** The API's app alone, for a caller that never stops it while creates are still starting runs (app.request()). */
export function createServiceApp(options: ServiceAppOptions): Hono {
  return createService(options).app;
}
