import { reconcile, type ReconcilerDependencies } from './reconcile';

export interface ReconcilerLoopOptions {
  intervalMs: number;
  /** Every how many passes the full sweep runs (the first pass is always one). */
  fullSweepEvery: number;
}

/** Runs the reconciler every `intervalMs` until stopped; a pass that throws is logged and the next one tries again. */
export function startReconcilerLoop(
  deps: ReconcilerDependencies,
  options: ReconcilerLoopOptions,
): { stop: () => Promise<void> } {
  let pass = 0;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const runPass = async () => {
    const fullSweep = pass % options.fullSweepEvery === 0;
    pass += 1;
    try {
      const report = await reconcile(deps, { fullSweep });
      if (report.synced + report.cancelled + report.started + report.failed > 0) {
        deps.log.info('reconciler pass', { fullSweep, ...report });
      }
    } catch (error) {
      deps.log.warn('reconciler pass failed; retrying at the next interval', { error: String(error) });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = runPass().finally(schedule);
    }, options.intervalMs);
  };
  current = runPass().finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
