import type { User } from '../db/users';
import type { EventType } from '../domain/event-type';
import type { PlannedOccurrence } from '../domain/schedule-state';
import { nextOccurrence, type LeapDayPolicy } from '../time/next-occurrence';
import { eventStrategy } from './events';
import { handOverDelayMs } from './hand-over';

/** The settings a plan is made with besides the user's row (the worker's and the API's, from one configuration). */
export interface PlanSettings {
  /** DELIVERY_TIME: local time of day greetings are due. */
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** HAND_OVER_WINDOW: how long after the instant the user's own run wakes to confirm its delivery. */
  handOverWindowMs: number;
}

/**
 * A new user's first occurrence of an event, as the user's run would plan it at `nowMs`: the next due moment (a user
 * created after today's moment waits a year; nothing is late for someone who did not exist then). The API makes it
 * with the row it writes, so the 201 shows it and the run starts with it instead of planning first. Null when the
 * user has no date for the event.
 */
export function firstPlanOf(
  user: User,
  eventType: EventType,
  settings: PlanSettings,
  nowMs: number,
): PlannedOccurrence | null {
  const date = eventStrategy(eventType).dateOf(user);
  if (date === null) return null;
  const { deliveryTime, leapDayPolicy } = settings;
  return {
    ...nextOccurrence({ date, timezone: user.timezone, deliveryTime, leapDayPolicy, nowMs }),
    timezone: user.timezone,
    paused: null,
    handOverAfterMs: handOverAfterMsOf(user.id, eventType, settings.handOverWindowMs),
  };
}

/** When after its instant the run of this user and event wakes: the same point of the window for every plan. */
export function handOverAfterMsOf(userId: string, eventType: EventType, windowMs: number): number {
  return handOverDelayMs(`${userId}/${eventType}`, windowMs);
}
