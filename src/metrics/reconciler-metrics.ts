import { Counter, Gauge, type Registry } from 'prom-client';

/** What the reconciler reports: its progress through a sweep, what it fixed, and the users it cannot bring in step. */
export interface ReconcilerMetrics {
  stuckUsers: Gauge;
  /** Live users the full sweep compared with their runs on this worker (a sweep's pages spread over the fleet). */
  sweptUsers: Counter;
  started: Counter<'pass'>;
  synced: Counter<'pass'>;
  cancelled: Counter<'pass'>;
  /** Armed greetings the sweep moved because this worker's time-zone data is newer than they were planned with. */
  moved: Counter;
  failed: Counter<'pass'>;
  /** The last full sweep this worker finished: when, how long, and its totals. */
  lastSweep: Gauge<'figure'>;
}

export function createReconcilerMetrics(registry: Registry): ReconcilerMetrics {
  const registers = [registry];
  return {
    stuckUsers: new Gauge({
      name: 'greetings_reconciler_stuck_users',
      help: 'Flagged users whose workflow the reconciler failed to sync several passes in a row (see docs/operations.md)',
      registers,
    }),
    sweptUsers: new Counter({
      name: 'greetings_reconciler_swept_users_total',
      help: 'Live users the full sweep compared with their running workflows (pages run on this worker)',
      registers,
    }),
    started: new Counter({
      name: 'greetings_reconciler_started_runs_total',
      help: 'Workflows the reconciler started for a live user event that had none',
      labelNames: ['pass'],
      registers,
    }),
    synced: new Counter({
      name: 'greetings_reconciler_synced_users_total',
      help: 'Flagged users whose workflows the quick pass brought in step with their row',
      labelNames: ['pass'],
      registers,
    }),
    cancelled: new Counter({
      name: 'greetings_reconciler_cancelled_runs_total',
      help: 'Workflows (sweep) or users (quick pass) the reconciler cancelled: user deleted or event removed',
      labelNames: ['pass'],
      registers,
    }),
    moved: new Counter({
      name: 'greetings_reconciler_moved_occurrences_total',
      help: 'Armed greetings whose instant moved under newer time-zone data than they were planned with: re-armed, runs re-planned',
      registers,
    }),
    failed: new Counter({
      name: 'greetings_reconciler_failures_total',
      help: 'Starts, syncs or cancels that failed; the next pass tries again',
      labelNames: ['pass'],
      registers,
    }),
    lastSweep: new Gauge({
      name: 'greetings_reconciler_last_sweep',
      help: 'The last full sweep this worker finished: finished_at_seconds, duration_seconds, users, runs, started, cancelled, moved, failed, queries',
      labelNames: ['figure'],
      registers,
    }),
  };
}
