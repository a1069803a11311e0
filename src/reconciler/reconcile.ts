import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { liveUserIds, listLiveUsers, markWorkflowSynced, usersAwaitingSync } from '../db/users';
import { workflowIdFor } from '../greetings/ids';
import type { ProcessConnections } from '../process/connections';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';

export interface ReconcilerDependencies {
  db: Db;
  client: Client;
  workflows: GreetingWorkflows;
  taskQueue: string;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
  /** Changes younger than this are left to the API call that is still making them. */
  graceMs: number;
  now?: () => Date;
}

/** How long one call to Temporal may take during a pass; what fails is tried again at the next pass. */
const CALL_TIMEOUT_MS = 10_000;

/** The reconciler's dependencies, from what the process opened. */
export function reconcilerDependencies(
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>,
  connections: Pick<ProcessConnections, 'db' | 'temporal' | 'greetingWorkflows'>,
  options: Pick<ReconcilerDependencies, 'log' | 'graceMs'>,
): ReconcilerDependencies {
  return {
    db: connections.db,
    client: connections.temporal,
    workflows: connections.greetingWorkflows(CALL_TIMEOUT_MS),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...options,
  };
}

export interface ReconcileReport {
  /** Workflows started or given the latest schedule for users the API could not sync. */
  synced: number;
  /** Workflows cancelled because their user is deleted or gone. */
  cancelled: number;
  /** Live users that had no running workflow (full sweep only). */
  started: number;
  /** Users or workflows that could not be fixed this pass (Temporal still down); the next pass tries again. */
  failed: number;
}

const BATCH = 100;
const WORKFLOW_TYPE = 'yearlyGreetingWorkflow';

/**
 * Brings Temporal in step with Postgres, which is the truth. The quick pass handles users the API flagged (a start,
 * change or cancel Temporal did not confirm); the full sweep also compares every live user with every running
 * workflow, for what no flag records (a workflow terminated by hand, a lost flag). Every step is idempotent, so two
 * reconcilers at once do no harm.
 */
export async function reconcile(
  deps: ReconcilerDependencies,
  options: { fullSweep: boolean },
): Promise<ReconcileReport> {
  const report: ReconcileReport = { synced: 0, cancelled: 0, started: 0, failed: 0 };
  await syncFlaggedUsers(deps, report);
  if (options.fullSweep) {
    const running = await runningWorkflowUserIds(deps);
    await cancelOrphanWorkflows(deps, running, report);
    await startMissingWorkflows(deps, running, report);
  }
  return report;
}

async function syncFlaggedUsers(deps: ReconcilerDependencies, report: ReconcileReport): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const olderThan = new Date(now().getTime() - deps.graceMs);
  const seen = new Set<string>();
  for (;;) {
    const flagged = (await usersAwaitingSync(deps.db, olderThan, BATCH)).filter(({ user }) => !seen.has(user.id));
    if (flagged.length === 0) return;
    for (const { user, deleted, requestedAt } of flagged) {
      seen.add(user.id);
      try {
        if (deleted) {
          await deps.workflows.stop(user.id);
          report.cancelled += 1;
        } else {
          await deps.workflows.changeSchedule(user);
          report.synced += 1;
        }
        await markWorkflowSynced(deps.db, user.id, requestedAt);
      } catch (error) {
        report.failed += 1;
        deps.log.warn('reconciler could not sync a user workflow', { userId: user.id, error: String(error) });
      }
    }
  }
}

/** The users whose workflow runs on this task queue, as Temporal's visibility lists them. */
async function runningWorkflowUserIds(deps: ReconcilerDependencies): Promise<Set<string>> {
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${deps.taskQueue}'`;
  const userIds = new Set<string>();
  for await (const execution of deps.client.workflow.list({ query })) {
    const userId = userIdOf(execution.workflowId);
    if (userId) userIds.add(userId);
  }
  return userIds;
}

/** Running workflows whose user is deleted or unknown are cancelled. */
async function cancelOrphanWorkflows(
  deps: ReconcilerDependencies,
  running: Set<string>,
  report: ReconcileReport,
): Promise<void> {
  const ids = [...running];
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH);
    const live = await liveUserIds(deps.db, batch);
    for (const userId of batch.filter((id) => !live.has(id))) {
      try {
        await deps.workflows.stop(userId);
        report.cancelled += 1;
        deps.log.info('reconciler cancelled the workflow of a deleted user', { userId });
      } catch (error) {
        report.failed += 1;
        deps.log.warn('reconciler could not cancel a workflow', { userId, error: String(error) });
      }
    }
  }
}

/**
 * Live users without a running workflow get one. Visibility lags a little, so a workflow just started may be missing
 * from the list: starting it again with USE_EXISTING finds it and never makes a second.
 */
async function startMissingWorkflows(
  deps: ReconcilerDependencies,
  running: Set<string>,
  report: ReconcileReport,
): Promise<void> {
  let cursor: string | null = null;
  do {
    const page = await listLiveUsers(deps.db, { limit: BATCH, cursor: cursor ?? undefined });
    for (const user of page.items.filter(({ id }) => !running.has(id))) {
      try {
        await deps.workflows.start(user);
        report.started += 1;
        deps.log.info('reconciler started the workflow of a user who had none', {
          userId: user.id,
          workflowId: workflowIdFor(user.id, 'birthday'),
        });
      } catch (error) {
        report.failed += 1;
        deps.log.warn('reconciler could not start a workflow', { userId: user.id, error: String(error) });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
}

const WORKFLOW_ID = /^birthday-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function userIdOf(workflowId: string): string | null {
  return WORKFLOW_ID.exec(workflowId)?.[1] ?? null;
}
