import { eventTypeNames, type EventType } from '../domain/event-type';

/** One workflow per user and event: a retried create finds the running one, and a person finds it by user id. */
export function workflowIdFor(userId: string, eventType: EventType): string {
  return `${eventType}-${userId}`;
}

const USER_WORKFLOW_ID = new RegExp(
  `^(${eventTypeNames.join('|')})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);

/** The user and event a workflow id names (workflowIdFor read back); null for any other workflow. */
export function userRunOf(workflowId: string): { userId: string; eventType: EventType } | null {
  const match = USER_WORKFLOW_ID.exec(workflowId);
  return match ? { eventType: match[1] as EventType, userId: match[2]! } : null;
}

/** The same key for every attempt at one occurrence, so the receiver can drop a repeat. */
export function idempotencyKeyFor(userId: string, eventType: EventType, occurrenceYear: number): string {
  return `${eventType}-${occurrenceYear}-${userId}`;
}

/** One dispatcher per due instant: every plan armed for that instant finds the same one. */
export function dispatchWorkflowIdFor(dueAt: string): string {
  return `dispatch-${new Date(dueAt).toISOString()}`;
}
