import type { Config } from '../config/config';
import type { Log } from '../logging/log';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { ProcessConnections } from '../process/connections';
import { reconcilerDependencies } from './reconcile';
import { startReconcilerLoop } from './reconciler-loop';

/** Changes the API is still confirming are left alone this long. */
const GRACE_MS = 30_000;

/** The reconciler as the worker process runs it, from the service's configuration. */
export function startReconcilerForWorker(
  config: Config,
  connections: ProcessConnections,
  log: Log,
  metrics: ReconcilerMetrics,
) {
  return startReconcilerLoop(reconcilerDependencies(config, connections, { log, graceMs: GRACE_MS, metrics }), {
    intervalMs: config.RECONCILE_INTERVAL,
    fullSweepEvery: Math.max(1, Math.round(config.RECONCILE_FULL_SWEEP_INTERVAL / config.RECONCILE_INTERVAL)),
  });
}
