import { anniversary } from './anniversary';
import { birthday } from './birthday';
import type { EventDates, EventStrategy } from './event-type';

export { fullName, type EventDates, type EventStrategy } from './event-type';

/**
 * Every yearly event type the service greets. A new type is a strategy file here, its date column on users (a
 * migration) and its value in the `event_type` enum; the API, the user service and the reconciler go over this list.
 */
export const EVENT_TYPES = [birthday, anniversary] as const;

export type EventType = (typeof EVENT_TYPES)[number]['type'];

export const eventTypeNames = EVENT_TYPES.map((event) => event.type) as [EventType, ...EventType[]];

export function eventStrategy(type: EventType): EventStrategy<EventType> {
  const found = EVENT_TYPES.find((event) => event.type === type);
  if (!found) throw new Error(`unknown event type ${JSON.stringify(type)}`);
  return found;
}

/** The event types this user has a date for: a run of each should be open. */
export function eventTypesOf(user: EventDates): EventType[] {
  return EVENT_TYPES.filter((event) => event.dateOf(user) !== null).map((event) => event.type);
}
