import { eventTypeNames, type EventType } from '../../domain/event-type';
import { anniversary } from './anniversary';
import { birthday } from './birthday';
import type { EventDates, EventStrategy } from './event-strategy';

export type { EventDates, EventStrategy } from './event-strategy';

/** One strategy for each event type in src/domain/event-type.ts: the compiler refuses a type without one. */
const STRATEGIES: { [Type in EventType]: EventStrategy<Type> } = { birthday, anniversary };

/** Every event type's strategy, in the domain's order: the API, the user service and the reconciler go over them. */
export const EVENT_TYPES = eventTypeNames.map((type) => STRATEGIES[type]);

export function eventStrategy(type: EventType): EventStrategy<EventType> {
  const found = EVENT_TYPES.find((event) => event.type === type);
  if (!found) throw new Error(`unknown event type ${JSON.stringify(type)}`);
  return found;
}

/** The event types this user has a date for: a run of each should be open. */
export function eventTypesOf(user: EventDates): EventType[] {
  return EVENT_TYPES.filter((event) => event.dateOf(user) !== null).map((event) => event.type);
}
