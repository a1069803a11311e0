import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType } = temporal.api.enums.v1;

const KINDS = {
  workflow: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  activity: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
} as const;

export type TaskKind = keyof typeof KINDS;

/** Identities (`pid@host` by default) of the workers Temporal saw polling the task queue lately, for tasks of `kind`. */
export async function pollerIdentities(client: Client, taskQueue: string, kind: TaskKind): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: KINDS[kind],
  });
  return pollers.map((poller) => poller.identity ?? '');
}

/**
 * Throws unless some worker polls the task queue for workflow tasks and for activity tasks: without both, a started
 * workflow never plans and a due greeting is never sent. Temporal lists the pollers seen in the last minutes.
 */
export async function requireWorkerPolling(client: Client, taskQueue: string): Promise<void> {
  for (const kind of Object.keys(KINDS) as TaskKind[]) {
    if ((await pollerIdentities(client, taskQueue, kind)).length === 0) {
      throw new Error(`no worker polls task queue "${taskQueue}" for ${kind} tasks`);
    }
  }
}

/**
 * Workflow tasks waiting on the task queue's regular (not sticky) queue, Temporal's approximate count: the first plans
 * of new users behind a bulk create, the tasks of runs no worker has in its cache.
 */
export async function workflowTaskBacklog(client: Client, taskQueue: string): Promise<number> {
  const { stats } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: KINDS.workflow,
    reportStats: true,
  });
  return Number(stats?.approximateBacklogCount ?? 0);
}
