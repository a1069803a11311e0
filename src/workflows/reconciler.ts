import { continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { ReconcilerActivities, SweepProgress, SweepTotals } from '../activities/reconcile-users';
import type { ReconcileReport } from '../reconciler/reconcile';

const { syncFlaggedUsers, sweepUsersPage, recordSweepFinished } = proxyActivities<ReconcilerActivities>({
  // A page of 1,000 users after Temporal's store was lost starts up to 2,000 runs; at rest it is two queries.
  startToCloseTimeout: '10 minutes',
  // Temporal down: each page is tried again, from where the sweep stands, until it passes.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Where a full sweep stands: the last user id done and the totals so far. */
export const sweepProgressQuery = defineQuery<{ after: string | null; progress: SweepProgress }>('sweepProgress');

export interface ReconcileSweepInput {
  /** Set when a long sweep continues as new: the last user id done and the totals so far. */
  after?: string | null;
  progress?: SweepProgress;
}

/** Pages per run before a long sweep continues as new (1,000 users a page: a million users take five runs). */
const PAGES_PER_RUN = 200;

/**
 * The quick pass, started every RECONCILE_INTERVAL by the `reconcile-flagged-<task queue>` Schedule, once for the
 * fleet: every user the API flagged (a change Temporal did not confirm) is brought in step with their row.
 */
export async function reconcileFlaggedWorkflow(): Promise<ReconcileReport> {
  const report = await syncFlaggedUsers();
  setCurrentDetails(
    `Flagged users: ${report.synced} synced, ${report.cancelled} cancelled (deleted), ${report.failed} failed`,
  );
  return report;
}

/**
 * The full sweep, started every RECONCILE_FULL_SWEEP_INTERVAL by the `reconcile-sweep-<task queue>` Schedule, once
 * for the fleet: every live user, a page of ids at a time, compared with the running workflows of the same range of
 * ids; a missing run is started, an orphan cancelled. Resumable: a page that fails is tried again and the sweep goes
 * on from the last page done, on whichever worker is up; its progress is the run's details in the Web UI.
 */
export async function reconcileSweepWorkflow(input: ReconcileSweepInput = {}): Promise<SweepProgress> {
  let after = input.after ?? null;
  // Figures a sweep continued from an older release did not count yet start at 0.
  const progress: SweepProgress = {
    pages: 0,
    users: 0,
    runs: 0,
    started: 0,
    cancelled: 0,
    moved: 0,
    failed: 0,
    queries: 0,
    startedAtMs: Date.now(),
    ...input.progress,
  };
  setHandler(sweepProgressQuery, () => ({ after, progress }));
  for (let pagesThisRun = 0; ; pagesThisRun += 1) {
    setCurrentDetails(sweepDetails('sweeping', after, progress));
    if (pagesThisRun === PAGES_PER_RUN) {
      await continueAsNew<typeof reconcileSweepWorkflow>({ after, progress });
    }
    const page = await sweepUsersPage({ after });
    const { nextAfter, ...figures } = page;
    progress.pages += 1;
    for (const figure of Object.keys(figures) as (keyof SweepTotals)[]) progress[figure] += figures[figure];
    after = nextAfter;
    if (after === null) break;
  }
  setCurrentDetails(sweepDetails('finished', after, progress));
  await recordSweepFinished(progress);
  return progress;
}

function sweepDetails(stage: string, after: string | null, progress: SweepProgress): string {
  return [
    `**Full sweep: ${stage}** (since ${new Date(progress.startedAtMs).toISOString()})`,
    '',
    '| pages | users | runs listed | started | cancelled | moved (newer tz data) | failed | queries | next page after user id |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${progress.pages} | ${progress.users} | ${progress.runs} | ${progress.started} | ${progress.cancelled} | ` +
      `${progress.moved} | ` +
      `${progress.failed} | ${progress.queries} | ${after ?? (stage === 'finished' ? 'none: done' : 'none: first page')} |`,
  ].join('\n');
}
