import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import {
  createDeliveryActivities,
  createDispatchActivities,
  createDispatchSweepActivities,
  createPauseActivities,
  createPlanningActivities,
} from '../activities';
import type { DeliveryObservers } from '../activities/delivery-report';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { WebhookSigner } from '../activities/webhook-signature';
import { createReconcilerActivities } from '../activities/reconcile-users';
import { anyArmedBefore } from '../db/armed-occurrences';
import { timeZoneDataVersion } from '../process/time-zone-data';
import type { Log } from '../logging/log';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { SyncBackoff } from '../reconciler/sync-backoff';
import { ensureDispatchSweepSchedule } from '../temporal/dispatch-sweep-schedule';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import { ensureReconcilerSchedules, type ReconcilerCadence } from '../temporal/reconciler-schedules';
import { DueDispatchers } from '../temporal/due-dispatchers';
import type { LeapDayPolicy } from '../time/next-occurrence';
import { shutdownGrace } from './shutdown-grace';

/** How much one worker takes on at once and how it stops; from the WORKER_* settings. */
export interface WorkerTuning {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** Sticky cache size: runs kept in memory between tasks. */
  maxCachedWorkflows: number;
  /** After a shutdown starts, how long in-flight activities may run before they are cancelled. */
  shutdownGraceTimeMs: number;
}

/** `log` and `metrics` receive every delivery attempt's outcome. */
export interface GreetingWorkerOptions extends DeliveryObservers {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  webhookUrl: string;
  /** WEBHOOK_SECRET: the secrets every delivery is signed with (Standard Webhooks). */
  webhookSecrets: readonly string[];
  webhookTimeoutMs: number;
  /** How late a delivery may start and still be sent; null for no limit. */
  maxLatenessMs: number | null;
  /** DELIVERY_TIME and LEAP_DAY_POLICY: the worker owns them; every plan reads them. */
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** HAND_OVER_WINDOW: after a delivery, the run hands over to next year's run within this long. Unset: at once. */
  handOverWindowMs?: number;
  /** Unset keeps every SDK default (tests). */
  tuning?: WorkerTuning;
  /**
   * The batch at the due moment: plans arm their occurrence and start its instant's dispatcher through `client`.
   * Unset: nothing is dispatched, every run delivers its own greeting (the dispatcher's activities still run here).
   */
  dueDispatch?: { client: Client; passes: number; retryHorizonMs: number };
  /** DISPATCH_PAGE_SIZE: rows one dispatch statement claims and POSTs at once. */
  dispatchPageSize?: number;
  /**
   * The fleet's reconciler: its Schedules are made sure of at start and its activities run here. Unset (tests): no
   * reconciler runs, and none is needed.
   */
  reconciler?: WorkerReconciler;
  /** A pre-built workflow bundle (tests build one for all); by default the worker bundles `src/workflows`. */
  workflowBundle?: WorkflowBundleOption;
}

export interface WorkerReconciler extends ReconcilerCadence {
  client: Client;
  log: Log;
  metrics: ReconcilerMetrics;
}

/** Changes the API is still confirming are left alone this long by the reconciler. */
const RECONCILER_GRACE_MS = 30_000;
/** How long one call to Temporal may take during a reconciler pass; what fails is tried again at the next pass. */
const RECONCILER_CALL_TIMEOUT_MS = 10_000;

export function workerTuningFrom(config: Config): WorkerTuning {
  return {
    maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTimeMs: config.WORKER_SHUTDOWN_GRACE_TIME,
  };
}

/**
 * A worker that runs the yearly greeting workflows, their planning, pause and delivery activities on one task queue.
 */
export async function createGreetingWorker(options: GreetingWorkerOptions): Promise<Worker> {
  const { tuning } = options;
  const grace = tuning && shutdownGrace(tuning.shutdownGraceTimeMs);
  const webhookSigner = new WebhookSigner(options.webhookSecrets);
  const { dueDispatch } = options;
  const dispatchers =
    dueDispatch &&
    new DueDispatchers(dueDispatch.client, {
      taskQueue: options.taskQueue,
      passes: dueDispatch.passes,
      retryHorizonMs: dueDispatch.retryHorizonMs,
    });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: {
      ...createPlanningActivities({
        db: options.db,
        deliveryTime: options.deliveryTime,
        leapDayPolicy: options.leapDayPolicy,
        maxLatenessMs: options.maxLatenessMs,
        handOverWindowMs: options.handOverWindowMs,
        metrics: options.metrics,
        dispatchers,
        warn: (message, fields) => options.log.warn(message, fields),
      }),
      ...createPauseActivities({ db: options.db }),
      ...createDeliveryActivities({
        db: options.db,
        webhookUrl: options.webhookUrl,
        webhookSigner,
        webhookTimeoutMs: options.webhookTimeoutMs,
        maxLatenessMs: options.maxLatenessMs,
        shutdownGraceOver: grace?.signal,
        log: options.log,
        metrics: options.metrics,
      }),
      ...createDispatchActivities({
        db: options.db,
        webhookUrl: options.webhookUrl,
        webhookSigner,
        webhookTimeoutMs: options.webhookTimeoutMs,
        maxLatenessMs: options.maxLatenessMs,
        pageSize: options.dispatchPageSize ?? 100,
        deliveryTime: options.deliveryTime,
        leapDayPolicy: options.leapDayPolicy,
        shutdownGraceOver: grace?.signal,
        log: options.log,
        metrics: options.metrics,
      }),
      ...(dispatchers &&
        createDispatchSweepActivities({ db: options.db, dispatchers, maxLatenessMs: options.maxLatenessMs })),
      ...(options.reconciler && reconcilerActivitiesFor(options, options.reconciler)),
    },
    // The SDK reads an option given as undefined as set: only pass what is configured.
    ...(tuning && {
      maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
      // Deliveries (and plans) run as local activities, which the SDK counts apart: the same bound holds for them.
      maxConcurrentLocalActivityExecutions: tuning.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
      maxCachedWorkflows: tuning.maxCachedWorkflows,
      // No shutdownForceTime: past the grace time a delivery cuts its POST short and records it for a retry, so
      // draining always ends, and the worker never abandons an attempt half-recorded.
      shutdownGraceTime: tuning.shutdownGraceTimeMs,
    }),
  });
  grace?.watch(worker);
  // The sweep starts the dispatchers of instants armed further ahead than their arming started (and lost ones).
  if (dueDispatch) await ensureDispatchSweepSchedule(dueDispatch.client, options.taskQueue);
  if (options.reconciler) {
    // Armed greetings planned with older time-zone data than this worker's: the sweep re-plans those that moved.
    const sweepNow = await anyArmedBefore(options.db, timeZoneDataVersion());
    await ensureReconcilerSchedules(options.reconciler.client, options.taskQueue, options.reconciler, { sweepNow });
  }
  return worker;
}

function reconcilerActivitiesFor(options: GreetingWorkerOptions, reconciler: WorkerReconciler) {
  return createReconcilerActivities({
    reconciler: {
      db: options.db,
      client: reconciler.client,
      workflows: new GreetingWorkflows(reconciler.client, {
        taskQueue: options.taskQueue,
        callTimeoutMs: RECONCILER_CALL_TIMEOUT_MS,
      }),
      taskQueue: options.taskQueue,
      log: reconciler.log,
      graceMs: RECONCILER_GRACE_MS,
      // Kept by this worker from pass to pass: a user failing on it waits longer each time.
      backoff: new SyncBackoff(),
      metrics: reconciler.metrics,
      planSettings: {
        deliveryTime: options.deliveryTime,
        leapDayPolicy: options.leapDayPolicy,
        handOverWindowMs: options.handOverWindowMs ?? 0,
      },
    },
    metrics: reconciler.metrics,
  });
}
