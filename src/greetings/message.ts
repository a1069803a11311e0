import { eventStrategy, type EventType } from './events';

export { fullName } from './events';
export type { EventType } from './events';

/** The text the receiver gets for this event: each event type's own template. */
export function greetingMessage(eventType: EventType, person: { firstName: string; lastName: string }): string {
  return eventStrategy(eventType).message(person);
}
