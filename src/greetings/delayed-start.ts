import type { User } from '../db/users';
import type { EventType } from '../domain/event-type';
import type { PlannedOccurrence } from '../domain/schedule-state';
import { occurrenceAtInstant } from '../time/next-occurrence';
import { handOverAfterMsOf, type PlanSettings } from './first-plan';
import { pointInRange } from './hand-over';

/** A delayed run's first workflow task comes this long before its instant at the earliest... */
const WAKE_BEFORE_MS = 2 * 3_600_000;
/** ...spread by user over this long, so the runs of one 09:00 do not all wake at one moment. */
const WAKE_SPREAD_MS = 3_600_000;

/**
 * How long a run that starts with its plan already made and armed (a new user's, or one the reconciler restores)
 * waits in a start delay: until one to two hours before its instant, so that it costs Temporal one event and no
 * workflow task until then (a burst of creates or restores is a burst of starts, not a backlog of workflow tasks in
 * front of the API's changes). The instant's dispatcher sends the greeting from the armed row whatever the run does;
 * the run wakes before it to take signals sent meanwhile (they wait in its history) and to confirm. 0 (start now) for
 * an occurrence less than three hours away.
 */
export function startDelayMsOf(userId: string, eventType: EventType, dueMs: number, nowMs: number): number {
  if (dueMs - nowMs < WAKE_BEFORE_MS + WAKE_SPREAD_MS) return 0;
  return dueMs - WAKE_BEFORE_MS + pointInRange(`${userId}/${eventType}`, WAKE_SPREAD_MS) - nowMs;
}

/** A run started again by the reconciler, with the plan its armed ledger row holds and how long it waits to start. */
export interface RestoredRun {
  plan: PlannedOccurrence;
  startDelayMs: number;
}

/**
 * How the reconciler starts a missing run whose next occurrence is armed in the ledger (after Temporal's store was
 * lost, every run is): with that occurrence as its plan, in a start delay (startDelayMsOf). Null (start it now, to
 * plan for itself) for a paused user, or an occurrence less than three hours away.
 */
export function restoredRunOf(
  user: User,
  eventType: EventType,
  armed: { occurrenceYear: number; scheduledAt: Date },
  settings: PlanSettings,
  nowMs: number,
): RestoredRun | null {
  if (user.pause) return null;
  const dueMs = armed.scheduledAt.getTime();
  const startDelayMs = startDelayMsOf(user.id, eventType, dueMs, nowMs);
  if (startDelayMs === 0) return null;
  return {
    plan: {
      ...occurrenceAtInstant({ year: armed.occurrenceYear, epochMs: dueMs, timezone: user.timezone }),
      timezone: user.timezone,
      paused: null,
      handOverAfterMs: handOverAfterMsOf(user.id, eventType, settings.handOverWindowMs),
    },
    startDelayMs,
  };
}
