import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType } = temporal.api.enums.v1;

const KINDS = [
  ['workflow', TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
  ['activity', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
] as const;

/**
 * Throws unless some worker polls the task queue for workflow tasks and for activity tasks: without both, a started
 * workflow never plans and a due greeting is never sent. Temporal lists the pollers seen in the last minutes.
 */
export async function requireWorkerPolling(client: Client, taskQueue: string): Promise<void> {
  for (const [kind, taskQueueType] of KINDS) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    if (pollers.length === 0) throw new Error(`no worker polls task queue "${taskQueue}" for ${kind} tasks`);
  }
}
