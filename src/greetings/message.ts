import type { EventType } from '../domain/event-type';
import { eventStrategy } from './events';

/** The text the receiver gets for this event: each event type's own template. */
export function greetingMessage(eventType: EventType, person: { firstName: string; lastName: string }): string {
  return eventStrategy(eventType).message(person);
}

/** The body of the webhook POST for one occurrence, the same whichever workflow sends it. */
export function greetingPayload(
  occurrence: {
    eventType: EventType;
    userId: string;
    occurrenceYear: number;
    occurrenceDate: string;
    scheduledAt: string;
    deliveryId: string;
    idempotencyKey: string;
  },
  person: { firstName: string; lastName: string },
) {
  return {
    message: greetingMessage(occurrence.eventType, person),
    eventType: occurrence.eventType,
    userId: occurrence.userId,
    occurrenceYear: occurrence.occurrenceYear,
    occurrenceDate: occurrence.occurrenceDate,
    scheduledAt: occurrence.scheduledAt,
    deliveryId: occurrence.deliveryId,
    idempotencyKey: occurrence.idempotencyKey,
  };
}
