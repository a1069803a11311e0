import type { EventType } from '../domain/event-type';

/** One workflow per user and event: a retried create finds the running one, and a person finds it by user id. */
export function workflowIdFor(userId: string, eventType: EventType): string {
  return `${eventType}-${userId}`;
}

/** The same key for every attempt at one occurrence, so the receiver can drop a repeat. */
export function idempotencyKeyFor(userId: string, eventType: EventType, occurrenceYear: number): string {
  return `${eventType}-${occurrenceYear}-${userId}`;
}

/** One dispatcher per due instant: every plan armed for that instant finds the same one. */
export function dispatchWorkflowIdFor(dueAt: string): string {
  return `dispatch-${new Date(dueAt).toISOString()}`;
}
