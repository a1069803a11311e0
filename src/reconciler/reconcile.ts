import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Db } from '../db/client';
import { markWorkflowSynced, usersAwaitingSync, type SyncPosition, type UserAwaitingSync } from '../db/users';
import type { ProcessConnections } from '../process/connections';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';
import { stopEventRuns, syncEventRuns } from '../users/event-runs';
import type { PlanSettings } from '../greetings/first-plan';
import { SyncBackoff } from './sync-backoff';
import { sweepPage } from './sweep-page';

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
  /** The workers' plan settings: runs the sweep restores start with their armed plan, in a start delay. */
  planSettings?: PlanSettings;
}

/** How long one call to Temporal may take during a pass; what fails is tried again at the next pass. */
const CALL_TIMEOUT_MS = 10_000;

/** The reconciler's dependencies, from what the process opened. */
export function reconcilerDependencies(
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'DELIVERY_TIME' | 'LEAP_DAY_POLICY' | 'HAND_OVER_WINDOW'>,
  connections: Pick<ProcessConnections, 'db' | 'temporal' | 'greetingWorkflows'>,
  options: Pick<ReconcilerDependencies, 'log' | 'graceMs' | 'metrics'>,
): ReconcilerDependencies {
  return {
    db: connections.db,
    client: connections.temporal,
    workflows: connections.greetingWorkflows(CALL_TIMEOUT_MS),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    backoff: new SyncBackoff(),
    planSettings: {
      deliveryTime: config.DELIVERY_TIME,
      leapDayPolicy: config.LEAP_DAY_POLICY,
      handOverWindowMs: config.HAND_OVER_WINDOW,
    },
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
  // The sweep leaves flagged users to the quick pass, which comes after it: no user is nudged twice in one pass.
  if (options.fullSweep) await sweepAllPages(deps, report);
  await syncFlaggedUsers(deps, report);
  return report;
}

/** The quick pass alone: every flagged user, once. */
export function syncFlagged(deps: ReconcilerDependencies): Promise<ReconcileReport> {
  return reconcile(deps, { fullSweep: false });
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

/** Users per page of the full sweep: 1,000 users cost one Postgres query and one visibility call per event type. */
export const SWEEP_PAGE_SIZE = 1_000;

/** Every page of the full sweep in turn, in this process (`npm run reconcile`; the fleet's runs page by page). */
async function sweepAllPages(deps: ReconcilerDependencies, report: ReconcileReport): Promise<void> {
  let after: string | null = null;
  do {
    const page = await sweepPage(deps, { after, pageSize: SWEEP_PAGE_SIZE });
    report.started += page.started;
    report.cancelled += page.cancelled;
    report.failed += page.failed;
    after = page.nextAfter;
  } while (after !== null);
}
