import type { ArmedOccurrence } from '../db/armed-occurrences';
import type { EventType } from '../domain/event-type';
import type { Occurrence } from '../time/next-occurrence';
import { idempotencyKeyFor, workflowIdFor } from './ids';

/**
 * The ledger row that arms one occurrence of a user's event for its instant's dispatcher. `runId` is the run that
 * planned it when a run did; the API (a create) and a dispatcher (next year) arm for the event's workflow with ''.
 */
export function armedRowOf(userId: string, eventType: EventType, occurrence: Occurrence, runId = ''): ArmedOccurrence {
  return {
    userId,
    eventType,
    occurrenceYear: occurrence.year,
    occurrenceDate: occurrence.localDate,
    scheduledAt: occurrence.instant,
    idempotencyKey: idempotencyKeyFor(userId, eventType, occurrence.year),
    workflowId: workflowIdFor(userId, eventType),
    runId,
  };
}
