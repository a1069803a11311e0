import type { Client } from '@temporalio/client';
import type { Hono } from 'hono';
import type { Db } from '../db/client';
import type { Log } from '../logging/log';
import { metricsExposition } from '../metrics/exposition';
import type { ServiceMetrics } from '../metrics/service-metrics';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import type { LeapDayPolicy } from '../time/next-occurrence';
import { UserSchedule } from '../users/user-schedule';
import { UserService } from '../users/user-service';
import { createApp } from './app';

export interface ServiceAppOptions {
  db: Db;
  temporal: Client;
  taskQueue: string;
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  log: Log;
  metrics: ServiceMetrics;
  /** The Temporal SDK's Prometheus exporter, when a worker runs in this process (`npm start`): /metrics shows it too. */
  sdkMetricsAddress?: string;
}

/** How long one call to Temporal may take before the API answers 503. */
const TEMPORAL_CALL_TIMEOUT_MS = 5_000;

/** The API wired to the real Postgres and Temporal: what `npm start`, `npm run api` and the tests serve. */
export function createServiceApp(options: ServiceAppOptions): Hono {
  const workflows = new GreetingWorkflows(options.temporal, {
    taskQueue: options.taskQueue,
    deliveryTime: options.deliveryTime,
    ...(options.leapDayPolicy ? { leapDayPolicy: options.leapDayPolicy } : {}),
    callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS,
  });
  return createApp({
    users: new UserService(options.db, workflows, options.log),
    schedule: new UserSchedule(options.db, workflows),
    log: options.log,
    httpMetrics: options.metrics.http,
    metrics: metricsExposition(options.metrics.registry, options.sdkMetricsAddress),
    readiness: [
      { name: 'postgres', check: async () => void (await options.db.$queryRaw`SELECT 1`) },
      {
        name: 'temporal',
        check: async () => {
          const connection = options.temporal.connection;
          await connection.withDeadline(Date.now() + TEMPORAL_CALL_TIMEOUT_MS, () =>
            connection.workflowService.getSystemInfo({}),
          );
        },
      },
    ],
    onUnexpectedError: (error) => options.log.error('unexpected error in a request', { error }),
  });
}
