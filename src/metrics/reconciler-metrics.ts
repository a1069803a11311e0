import { Gauge, type Registry } from 'prom-client';

/** What the reconciler reports about the users it cannot bring in step. */
export interface ReconcilerMetrics {
  stuckUsers: Gauge;
}

export function createReconcilerMetrics(registry: Registry): ReconcilerMetrics {
  return {
    stuckUsers: new Gauge({
      name: 'greetings_reconciler_stuck_users',
      help: 'Flagged users whose workflow the reconciler failed to sync several passes in a row (see docs/operations.md)',
      registers: [registry],
    }),
  };
}
