import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { reconcileFlaggedWorkflow, reconcileSweepWorkflow } from '../workflows/reconciler';

/** The Schedules of a task queue's reconciler: the quick pass and the full sweep, one each for the fleet. */
export function reconcilerScheduleIdsFor(taskQueue: string): { flagged: string; sweep: string } {
  return { flagged: `reconcile-flagged-${taskQueue}`, sweep: `reconcile-sweep-${taskQueue}` };
}

export interface ReconcilerCadence {
  /** RECONCILE_INTERVAL: how often the quick pass runs. */
  intervalMs: number;
  /** RECONCILE_FULL_SWEEP_INTERVAL: how often the full sweep runs. */
  fullSweepIntervalMs: number;
}

/**
 * Makes sure the task queue's reconciler runs, once for the fleet however many workers it has (Temporal Schedules,
 * each skipping a start while its last run still runs): every worker asks at start, the first creates them, the
 * others find them and bring their cadence to this worker's settings. A Schedule created here (the first start, or
 * Temporal's store lost) runs at once: the sweep then restarts every missing run without waiting for its interval.
 * With `sweepNow` the sweep runs at once in any case.
 */
export async function ensureReconcilerSchedules(
  client: Client,
  taskQueue: string,
  cadence: ReconcilerCadence,
  options: { sweepNow?: boolean } = {},
): Promise<void> {
  const ids = reconcilerScheduleIdsFor(taskQueue);
  await ensureSchedule(client, ids.flagged, cadence.intervalMs, (scheduleId) =>
    client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: cadence.intervalMs }] },
      action: { type: 'startWorkflow', workflowType: reconcileFlaggedWorkflow, workflowId: scheduleId, taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    }),
  );
  const sweepCreated = await ensureSchedule(client, ids.sweep, cadence.fullSweepIntervalMs, (scheduleId) =>
    client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: cadence.fullSweepIntervalMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: reconcileSweepWorkflow,
        workflowId: scheduleId,
        taskQueue,
        args: [{}],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    }),
  );
  // E.g. this worker brings newer time-zone data: the sweep re-plans what moved now, not within the hour.
  if (options.sweepNow && !sweepCreated) await client.schedule.getHandle(ids.sweep).trigger();
}

async function ensureSchedule(
  client: Client,
  scheduleId: string,
  everyMs: number,
  create: (scheduleId: string) => Promise<unknown>,
): Promise<boolean> {
  try {
    await create(scheduleId);
    await client.schedule.getHandle(scheduleId).trigger();
    return true;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const { spec } = await handle.describe();
  if (spec.intervals?.length === 1 && Number(spec.intervals[0]!.every) === everyMs) return false;
  await handle.update((schedule) => ({ ...schedule, spec: { intervals: [{ every: everyMs }] } }));
  return false;
}
