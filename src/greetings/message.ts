import type { EventType } from '../domain/event-type';
import { eventStrategy } from './events';

/** The text the receiver gets for this event: each event type's own template. */
export function greetingMessage(eventType: EventType, person: { firstName: string; lastName: string }): string {
  return eventStrategy(eventType).message(person);
}
