import { Context } from '@temporalio/activity';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import {
  syncFlagged,
  SWEEP_PAGE_SIZE,
  type ReconcileReport,
  type ReconcilerDependencies,
} from '../reconciler/reconcile';
import { sweepPage, type SweepPageResult } from '../reconciler/sweep-page';

export interface ReconcilerActivityDependencies {
  reconciler: ReconcilerDependencies;
  metrics: ReconcilerMetrics;
}

export interface SweepPageInput {
  /** The last user id of the page before; null for the first page. */
  after: string | null;
}

/** What a sweep's pages add up: every figure of a page but where it ended. */
export type SweepTotals = Omit<SweepPageResult, 'nextAfter'>;

/** A full sweep's totals so far, as its workflow keeps them. */
export interface SweepProgress extends SweepTotals {
  pages: number;
  startedAtMs: number;
}

export function createReconcilerActivities(deps: ReconcilerActivityDependencies) {
  return {
    /**
     * The quick pass: every user the API flagged (a change Temporal did not confirm), synced once. Idempotent: a
     * retried pass syncs again what it synced, which changes nothing.
     */
    async syncFlaggedUsers(): Promise<ReconcileReport> {
      const report = await syncFlagged(deps.reconciler);
      deps.metrics.synced.inc({ pass: 'flagged' }, report.synced);
      deps.metrics.cancelled.inc({ pass: 'flagged' }, report.cancelled);
      deps.metrics.failed.inc({ pass: 'flagged' }, report.failed);
      return report;
    },

    /**
     * One page of the full sweep (see sweepPage): starts the missing runs of a page of live users and cancels the
     * orphans in its range of ids. Idempotent per page: retried after a crash, it finds what it fixed.
     */
    async sweepUsersPage(input: SweepPageInput): Promise<SweepPageResult> {
      Context.current().heartbeat(input.after);
      const page = await sweepPage(deps.reconciler, { after: input.after, pageSize: SWEEP_PAGE_SIZE });
      deps.metrics.sweptUsers.inc(page.users);
      deps.metrics.started.inc({ pass: 'sweep' }, page.started);
      deps.metrics.cancelled.inc({ pass: 'sweep' }, page.cancelled);
      deps.metrics.moved.inc(page.moved);
      deps.metrics.failed.inc({ pass: 'sweep' }, page.failed);
      return page;
    },

    /** Shows a finished sweep on this worker's /metrics: when, how many users, what it fixed. */
    recordSweepFinished(progress: SweepProgress): Promise<void> {
      deps.metrics.lastSweep.set({ figure: 'finished_at_seconds' }, Date.now() / 1000);
      deps.metrics.lastSweep.set({ figure: 'duration_seconds' }, (Date.now() - progress.startedAtMs) / 1000);
      deps.metrics.lastSweep.set({ figure: 'users' }, progress.users);
      deps.metrics.lastSweep.set({ figure: 'runs' }, progress.runs);
      deps.metrics.lastSweep.set({ figure: 'started' }, progress.started);
      deps.metrics.lastSweep.set({ figure: 'cancelled' }, progress.cancelled);
      deps.metrics.lastSweep.set({ figure: 'moved' }, progress.moved);
      deps.metrics.lastSweep.set({ figure: 'failed' }, progress.failed);
      deps.metrics.lastSweep.set({ figure: 'queries' }, progress.queries);
      return Promise.resolve();
    },
  };
}

export type ReconcilerActivities = ReturnType<typeof createReconcilerActivities>;
