import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type * as activities from '../activities';

const { startDueDispatchers } = proxyActivities<activities.DispatchSweepActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/**
 * One round of the dispatch sweep, started each minute by the `dispatch-sweep-<task queue>` Schedule: the
 * dispatchers of the instants coming up within `horizonMs`, and of any instant whose armed rows wait without one.
 */
export async function dispatchSweepWorkflow(input: activities.DispatchSweepInput): Promise<number> {
  const { instants } = await startDueDispatchers(input);
  setCurrentDetails(
    instants.length === 0
      ? 'No armed instant within the horizon'
      : `Dispatchers running for ${instants.length} instants: ${instants.join(', ')}`,
  );
  return instants.length;
}
