import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client';
import { armOccurrence, disarmOccurrences, type ArmedOccurrence } from '../db/armed-occurrences';
import { recordMissedOccurrence, settleStaleOccurrences } from '../db/ledger';
import { readPlanInputs } from '../db/plan-inputs';
import type { User } from '../db/users';
import type { EventType } from '../domain/event-type';
import type { PlannedOccurrence } from '../domain/schedule-state';
import { handOverAfterMsOf } from '../greetings/first-plan';
import { eventStrategy } from '../greetings/events';
import { armedRowOf } from '../greetings/armed-row';
import type { DeliveryMetrics } from '../metrics/delivery-metrics';
import { latestOccurrence, nextOccurrence, type LeapDayPolicy, type Occurrence } from '../time/next-occurrence';
import { FailureType } from '../workflows/definitions';

export interface PlanDeliveryInput {
  userId: string;
  eventType: EventType;
  /** The workflow's clock, so the plan follows workflow time (and the test server's skipped time). */
  nowMs: number;
  /** No occurrence before this year (the year after the one this run already delivered). */
  notBeforeYear?: number;
}

/** What decides the due instant besides the user's row: the worker's settings, read at every plan. */
export interface PlanningDependencies {
  db: Db;
  /** DELIVERY_TIME: local time of day greetings are due. */
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** MAX_DELIVERY_LATENESS: a due moment missed by less than this is still sent; null for no limit. */
  maxLatenessMs: number | null;
  /** HAND_OVER_WINDOW: after a delivery, the run hands over to the next within this long; 0 for at once. */
  handOverWindowMs?: number;
  metrics?: Pick<DeliveryMetrics, 'unplannable'>;
  /** Starts the dispatcher of an armed instant; unset, the users' own runs deliver (nothing is dispatched). */
  dispatchers?: { ensure(dueAt: string): Promise<void> };
  /** Hears of a dispatcher that could not be started (the sweep starts it later). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

export function createPlanningActivities(deps: PlanningDependencies) {
  return {
    /**
     * The occurrence a user's run should deliver next, from what Postgres holds now (date, zone, pause, ledger) and
     * the worker's settings: a recent due moment nobody delivered (the run restarted after it), else the next one
     * after the last occurrence the ledger has settled. Run as a local activity: its answer is kept in the
     * workflow's history, and a replay never recomputes it with newer data. Null when the user is deleted or has no
     * date for this event (an anniversary removed): either way the run ends.
     * A schedule this worker cannot compute fails as `Unplannable`, not retried; a database error is retried.
     */
    async planDelivery(input: PlanDeliveryInput): Promise<PlannedOccurrence | null> {
      const staleBefore = deps.maxLatenessMs === null ? null : new Date(input.nowMs - deps.maxLatenessMs);
      const inputs = await readPlanInputs(deps.db, input.userId, input.eventType, staleBefore);
      if (!inputs) return null;
      const { user, lastSettledYear: settled, pauseAskedAt } = inputs;
      const date = eventStrategy(input.eventType).dateOf(user);
      if (date === null) return null;
      const schedule = scheduleOf(user, date);
      const notBeforeYear = Math.max(input.notBeforeYear ?? 0, settled === null ? 0 : settled + 1);
      const { late, next } = computeOrUnplannable(user, input.eventType, () => ({
        late: lateOccurrence(user, input.eventType, schedule, input.nowMs, notBeforeYear),
        next: nextOccurrence({ ...schedule, nowMs: input.nowMs, notBeforeYear: notBeforeYear || undefined }),
      }));
      if (staleBefore && inputs.hasStaleOccurrences) {
        // Whatever is due longer ago than the limit will never be sent: no row may wait for it for ever.
        await settleStaleOccurrences(deps.db, { userId: input.userId, eventType: input.eventType }, staleBefore);
      }
      if (!late) await recordUnattendedMiss(user, pauseAskedAt, schedule, input, notBeforeYear);
      await arm(input, late ?? next, user.pause !== null);
      return {
        ...(late ?? next),
        timezone: user.timezone,
        paused: user.pause,
        // A year already due has no dispatcher coming: its run sends it at once rather than after the spread.
        handOverAfterMs: late ? 0 : handOverAfterMsOf(input.userId, input.eventType, deps.handOverWindowMs ?? 0),
      };
    },
  };

  /**
   * Arms the chosen occurrence for its instant's dispatcher and makes sure that dispatcher exists; a paused user's
   * occurrence is not armed (the run records it as skipped when it wakes; a resume plans and arms it again).
   */
  async function arm(input: PlanDeliveryInput, occurrence: Occurrence, paused: boolean): Promise<void> {
    if (paused) {
      await disarmOccurrences(deps.db, input.userId, input.eventType);
      return;
    }
    await armOccurrence(deps.db, ledgerRowOf(input, occurrence));
    // An instant already passed has no dispatcher to wait for: the run delivers it itself when it wakes.
    if (!deps.dispatchers || occurrence.epochMs <= input.nowMs) return;
    try {
      await deps.dispatchers.ensure(occurrence.instant);
    } catch (error) {
      deps.warn?.('could not start the dispatcher of an instant; the sweep or the run will send it', {
        dueAt: occurrence.instant,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The event's date in the user's zone, with the worker's settings. */
  function scheduleOf(user: User, date: string) {
    return {
      date,
      timezone: user.timezone,
      deliveryTime: deps.deliveryTime,
      leapDayPolicy: deps.leapDayPolicy,
    };
  }

  /**
   * The last due moment, when it was owed (it passed after the event's schedule took its current form), within the
   * lateness limit, in a year not yet settled: the run planning now is the only one that can still send it. A user
   * created, or a date or zone edited, after the due moment waits for the next one.
   */
  function lateOccurrence(
    user: User,
    eventType: EventType,
    schedule: ReturnType<typeof scheduleOf>,
    nowMs: number,
    notBeforeYear: number,
  ): Occurrence | null {
    const last = latestOccurrence({ ...schedule, nowMs });
    const recent = deps.maxLatenessMs === null || nowMs - last.epochMs <= deps.maxLatenessMs;
    return wasOwed(user, eventType, last) && recent && last.year >= notBeforeYear ? last : null;
  }

  /**
   * The last due moment passed with no run to send it and is now past the lateness limit (Temporal's store was lost,
   * the workflow was gone for longer): recorded as missed, so the year shows in the ledger instead of vanishing. Only
   * when it was owed (see wasOwed) and no pause can have held it (none now, none asked or ended since): otherwise the
   * greeting was never due then.
   */
  async function recordUnattendedMiss(
    user: User,
    pauseAskedAt: Date | null,
    schedule: ReturnType<typeof scheduleOf>,
    input: PlanDeliveryInput,
    notBeforeYear: number,
  ): Promise<void> {
    if (deps.maxLatenessMs === null || user.pause) return;
    const last = latestOccurrence({ ...schedule, nowMs: input.nowMs });
    const latenessMs = input.nowMs - last.epochMs;
    const unpaused = pauseAskedAt === null || last.epochMs >= pauseAskedAt.getTime();
    if (!wasOwed(user, input.eventType, last) || !unpaused) return;
    if (last.year < notBeforeYear || latenessMs <= deps.maxLatenessMs) return;
    await recordMissedOccurrence(deps.db, {
      ...ledgerRowOf(input, last),
      latenessMs,
      maxLatenessMs: deps.maxLatenessMs,
    });
  }

  function computeOrUnplannable<T>(user: User, eventType: EventType, compute: () => T): T {
    try {
      return compute();
    } catch (error) {
      deps.metrics?.unplannable.inc({ event_type: eventType });
      const reason = error instanceof Error ? error.message : String(error);
      throw ApplicationFailure.nonRetryable(
        `the schedule of user ${user.id} cannot be planned by this worker: ${reason}`,
        FailureType.Unplannable,
      );
    }
  }
}

export type PlanningActivities = ReturnType<typeof createPlanningActivities>;

/**
 * The one rule for a due moment that has passed: it was owed when it came at or after the event's schedule took its
 * current form (the user's create, or the last edit of the event's date or the zone). A worker or Temporal down at
 * the moment does not change that (the year is sent late, or recorded as missed past the limit); a create or an edit
 * after it does (an edit is not a missed delivery: the next occurrence is the first one owed).
 */
function wasOwed(user: User, eventType: EventType, occurrence: Occurrence): boolean {
  return occurrence.epochMs >= Date.parse(user.scheduleSince[eventType]);
}

/** The ledger row of one occurrence of the planning run's user and event, written as that run. */
function ledgerRowOf(input: PlanDeliveryInput, occurrence: Occurrence): ArmedOccurrence {
  const runId = Context.current().info.workflowExecution?.runId;
  return armedRowOf(input.userId, input.eventType, occurrence, runId);
}
