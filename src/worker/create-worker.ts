import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createDeliveryActivities, createPlanningActivities } from '../activities';
import type { DeliveryObservers } from '../activities/delivery-report';
import type { Db } from '../db/client';

/** `log` and `metrics` receive every delivery attempt's outcome. */
export interface GreetingWorkerOptions extends DeliveryObservers {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  webhookUrl: string;
  webhookTimeoutMs: number;
  /** How late a delivery may start and still be sent; null for no limit. */
  maxLatenessMs: number | null;
  /** A pre-built workflow bundle (tests build one for all); by default the worker bundles `src/workflows`. */
  workflowBundle?: WorkflowBundleOption;
}

/** A worker that runs the yearly greeting workflows, their planning and their delivery activities on one task queue. */
export async function createGreetingWorker(options: GreetingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: {
      ...createPlanningActivities({ db: options.db }),
      ...createDeliveryActivities({
        db: options.db,
        webhookUrl: options.webhookUrl,
        webhookTimeoutMs: options.webhookTimeoutMs,
        maxLatenessMs: options.maxLatenessMs,
        log: options.log,
        metrics: options.metrics,
      }),
    },
  });
}
