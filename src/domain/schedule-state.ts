import type { Occurrence } from '../time/next-occurrence';
import type { DeliveryOutcome } from './delivery-outcome';
import type { EventType } from './event-type';

/** A user's pause, as Postgres holds it: nothing is sent while it lasts. */
export interface Pause {
  /** ISO instant the pause began. */
  since: string;
  reason: string | null;
}

/**
 * What a plan found: the next occurrence, the zone it was planned in and the user's pause. Plans recorded before
 * plans read Postgres hold only the occurrence (no zone, no pause).
 */
export interface PlannedOccurrence extends Occurrence {
  timezone?: string;
  paused?: Pause | null;
  /** After delivering, how long the run waits before it hands over to the next run (the worker's HAND_OVER_WINDOW). */
  handOverAfterMs?: number;
}

/** The occurrence a run waits for (or is delivering). */
export interface NextDelivery extends Occurrence {
  eventType: EventType;
  timezone: string;
}

/** A plan as callers see it: the occurrence, with its event and the zone it is planned in. */
export function nextDeliveryOf(planned: PlannedOccurrence, eventType: EventType, timezone: string): NextDelivery {
  const { timezone: _zone, paused: _paused, handOverAfterMs: _handOver, ...occurrence } = planned;
  return { ...occurrence, eventType, timezone };
}

/**
 * What a run is doing right now, or how its delivery ended (shown in the Web UI). `unplannable`: the user's schedule
 * cannot be planned by this worker (see `ScheduleState.problem`); a PUT or `refreshSchedule` tries again.
 * `plan-retrying`: planning failed for a passing reason (Postgres unreachable) and is retried with backoff.
 */
export type RunStage =
  | 'planning'
  | 'sleeping'
  | 'delivering'
  | 'failed'
  | 'user-deleted'
  | 'unplannable'
  | 'plan-retrying'
  | DeliveryOutcome['outcome'];

/** The run's state as the API and operators read it. */
export interface ScheduleState {
  stage: RunStage;
  /** The occurrence planned; null before the first plan and while unplannable. */
  next: NextDelivery | null;
  paused: Pause | null;
  /** Why the schedule cannot be planned (stage `unplannable`) or why the last plan failed (`plan-retrying`). */
  problem: string | null;
}
