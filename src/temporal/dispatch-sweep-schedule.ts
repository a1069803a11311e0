import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { dispatchSweepWorkflow } from '../workflows/dispatch-sweep';
import { DISPATCH_SWEEP_HORIZON_MS } from './due-dispatchers';

/** The Schedule of a task queue's dispatch sweep: one per queue, whichever worker created it first. */
export function dispatchSweepScheduleIdFor(taskQueue: string): string {
  return `dispatch-sweep-${taskQueue}`;
}

/**
 * Makes sure the task queue's dispatch sweep runs each minute (a Temporal Schedule, so the fleet sweeps once however
 * many workers it has): every worker asks at start, the first creates it, the others find it.
 */
export async function ensureDispatchSweepSchedule(client: Client, taskQueue: string): Promise<void> {
  const scheduleId = dispatchSweepScheduleIdFor(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: dispatchSweepWorkflow,
        workflowId: scheduleId,
        taskQueue,
        args: [{ horizonMs: DISPATCH_SWEEP_HORIZON_MS }],
        workflowExecutionTimeout: '5 minutes',
      },
      // A sweep still running when the next is due is enough: the next one simply does not start.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
