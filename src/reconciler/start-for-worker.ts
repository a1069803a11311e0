import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import type { Log } from '../logging/log';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import { startReconcilerLoop } from './reconciler-loop';

/** Changes the API is still confirming are left alone this long. */
const GRACE_MS = 30_000;

/** The reconciler as the worker process runs it, from the service's configuration. */
export function startReconcilerForWorker(config: Config, db: Db, client: Client, log: Log) {
  const workflows = new GreetingWorkflows(client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deliveryTime: config.DELIVERY_TIME,
    leapDayPolicy: config.LEAP_DAY_POLICY,
    callTimeoutMs: 10_000,
  });
  return startReconcilerLoop(
    { db, client, workflows, taskQueue: config.TEMPORAL_TASK_QUEUE, log, graceMs: GRACE_MS },
    {
      intervalMs: config.RECONCILE_INTERVAL,
      fullSweepEvery: Math.max(1, Math.round(config.RECONCILE_FULL_SWEEP_INTERVAL / config.RECONCILE_INTERVAL)),
    },
  );
}
