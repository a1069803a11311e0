import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import {
  liveUsersById,
  listLiveUsers,
  markWorkflowSynced,
  usersAwaitingSync,
  type SyncPosition,
  type UserAwaitingSync,
} from '../db/users';
import { eventTypeNames, type EventType } from '../domain/event-type';
import { eventStrategy, eventTypesOf } from '../greetings/events';
import { workflowIdFor } from '../greetings/ids';
import type { ProcessConnections } from '../process/connections';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';
import { stopEventRuns, syncEventRuns } from '../users/event-runs';
import { SyncBackoff } from './sync-backoff';

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
  /** Kept from pass to pass by a loop; a single pass (`npm run reconcile`) starts afresh. */
  backoff?: SyncBackoff;
  metrics?: ReconcilerMetrics;
}

/** How long one call to Temporal may take during a pass; what fails is tried again at the next pass. */
const CALL_TIMEOUT_MS = 10_000;

/** The reconciler's dependencies, from what the process opened. */
export function reconcilerDependencies(
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>,
  connections: Pick<ProcessConnections, 'db' | 'temporal' | 'greetingWorkflows'>,
  options: Pick<ReconcilerDependencies, 'log' | 'graceMs' | 'metrics'>,
): ReconcilerDependencies {
  return {
    db: connections.db,
    client: connections.temporal,
    workflows: connections.greetingWorkflows(CALL_TIMEOUT_MS),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    backoff: new SyncBackoff(),
    ...options,
  };
}

export interface ReconcileReport {
  /** Users whose workflows were started or given the latest schedule because the API could not sync them. */
  synced: number;
  /** Users (quick pass) or workflows (full sweep) cancelled because the user, or that event of theirs, is gone. */
  cancelled: number;
  /** Workflows started for an event of a live user that had no running one (full sweep only). */
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
    await cancelOrphanWorkflows(deps, report);
    await startMissingWorkflows(deps, report);
  }
  return report;
}

/**
 * Walks every flagged user once, oldest flag first, a page at a time. A user in backoff after failures is passed
 * over until their time comes, so a few that keep failing never hold up the rest.
 */
async function syncFlaggedUsers(deps: ReconcilerDependencies, report: ReconcileReport): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const olderThan = new Date(now().getTime() - deps.graceMs);
  const backoff = deps.backoff ?? new SyncBackoff();
  backoff.beginPass();
  let after: SyncPosition | undefined;
  for (;;) {
    const page = await usersAwaitingSync(deps.db, olderThan, BATCH, after);
    for (const flagged of page) {
      if (backoff.isDue(flagged.user.id, now().getTime())) await syncOne(deps, flagged, backoff, report);
    }
    const last = page[page.length - 1];
    if (page.length < BATCH || !last) break;
    after = { requestedAt: last.requestedAt, id: last.user.id };
  }
  backoff.endPass();
  deps.metrics?.stuckUsers.set(backoff.stuckCount());
}

async function syncOne(
  deps: ReconcilerDependencies,
  { user, deleted, requestedAt }: UserAwaitingSync,
  backoff: SyncBackoff,
  report: ReconcileReport,
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  try {
    if (deleted) {
      await stopEventRuns(deps.workflows, user.id);
      report.cancelled += 1;
    } else {
      // Every event the user has plans again (a missing run is started); a removed one's run is cancelled.
      await syncEventRuns(deps.workflows, user);
      report.synced += 1;
    }
    await markWorkflowSynced(deps.db, user.id, requestedAt);
    backoff.succeeded(user.id);
  } catch (error) {
    report.failed += 1;
    const { failures, becameStuck } = backoff.failed(user.id, now().getTime());
    const fields = { userId: user.id, failures, error: String(error) };
    if (becameStuck) {
      deps.log.warn(
        'reconciler: a user workflow is stuck, failing every pass; see "Stuck users" in docs/operations.md',
        fields,
      );
    } else {
      deps.log.warn('reconciler could not sync a user workflow; it backs off and tries again', fields);
    }
  }
}

// The full sweep holds one page at a time, never every user or every workflow: it must fit a million users.

/** Visibility's filter for the running greeting workflows of this task queue. */
function runningQuery(deps: ReconcilerDependencies): string {
  return `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${deps.taskQueue}'`;
}

/**
 * Running workflows whose user is deleted or unknown, or no longer has that event (an anniversary removed), are
 * cancelled, checked against Postgres a page at a time.
 */
async function cancelOrphanWorkflows(deps: ReconcilerDependencies, report: ReconcileReport): Promise<void> {
  let page: GreetingRun[] = [];
  for await (const execution of deps.client.workflow.list({ query: runningQuery(deps), pageSize: BATCH })) {
    const run = runOf(execution.workflowId);
    if (run) page.push(run);
    if (page.length === BATCH) {
      await cancelIfOrphans(deps, page, report);
      page = [];
    }
  }
  await cancelIfOrphans(deps, page, report);
}

async function cancelIfOrphans(deps: ReconcilerDependencies, runs: GreetingRun[], report: ReconcileReport) {
  if (runs.length === 0) return;
  const live = await liveUsersById(
    deps.db,
    runs.map((run) => run.userId),
  );
  const orphans = runs.filter(({ userId, eventType }) => {
    const user = live.get(userId);
    return !user || eventStrategy(eventType).dateOf(user) === null;
  });
  for (const { userId, eventType } of orphans) {
    try {
      await deps.workflows.stop(userId, eventType);
      report.cancelled += 1;
      deps.log.info('reconciler cancelled the workflow of a deleted user or a removed event', { userId, eventType });
    } catch (error) {
      report.failed += 1;
      deps.log.warn('reconciler could not cancel a workflow', { userId, eventType, error: String(error) });
    }
  }
}

/**
 * Each event of a live user without a running workflow gets one: each page of users is checked against visibility
 * for that page's workflow ids only. Visibility lags a little, so a workflow just started may be missing from its
 * answer: starting it again with USE_EXISTING finds it and never makes a second.
 */
async function startMissingWorkflows(deps: ReconcilerDependencies, report: ReconcileReport): Promise<void> {
  let cursor: string | null = null;
  do {
    const page = await listLiveUsers(deps.db, { limit: BATCH, cursor: cursor ?? undefined });
    const expected = page.items.flatMap((user) => eventTypesOf(user).map((eventType) => ({ user, eventType })));
    const running = await runningAmong(
      deps,
      expected.map(({ user, eventType }) => workflowIdFor(user.id, eventType)),
    );
    for (const { user, eventType } of expected) {
      const workflowId = workflowIdFor(user.id, eventType);
      if (running.has(workflowId)) continue;
      try {
        await deps.workflows.start(user, eventType);
        report.started += 1;
        deps.log.info('reconciler started the workflow of a user event that had none', {
          userId: user.id,
          workflowId,
        });
      } catch (error) {
        report.failed += 1;
        deps.log.warn('reconciler could not start a workflow', { userId: user.id, workflowId, error: String(error) });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/** Of these workflow ids, the ones visibility lists as running. */
async function runningAmong(deps: ReconcilerDependencies, workflowIds: string[]): Promise<Set<string>> {
  const running = new Set<string>();
  if (workflowIds.length === 0) return running;
  // Ids are an event type and a UUID (checked by the database), so they need no quoting beyond the quotes.
  const ids = workflowIds.map((id) => `'${id}'`).join(', ');
  const query = `${runningQuery(deps)} AND WorkflowId IN (${ids})`;
  for await (const execution of deps.client.workflow.list({ query, pageSize: BATCH })) {
    running.add(execution.workflowId);
  }
  return running;
}

/** One greeting workflow: whose, and of which event. */
interface GreetingRun {
  userId: string;
  eventType: EventType;
}

const WORKFLOW_ID = new RegExp(
  `^(${eventTypeNames.join('|')})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);

function runOf(workflowId: string): GreetingRun | null {
  const match = WORKFLOW_ID.exec(workflowId);
  return match ? { eventType: match[1] as EventType, userId: match[2]! } : null;
}
