import type { EventType } from '../domain/event-type';
import type { Log } from '../logging/log';
import type { DeliveryMetrics } from '../metrics/delivery-metrics';
import type { WebhookResponse } from './webhook-client';

/** How one delivery attempt ended; `failed` is the workflow giving up on the occurrence. */
export type DeliveryAttemptOutcome =
  | 'delivered'
  | 'already-delivered'
  | 'user-deleted'
  | 'missed'
  | 'closed'
  | 'skipped'
  | 'not-found'
  | 'in-flight'
  | 'rejected'
  | 'unavailable'
  | 'failed';

/** One line per attempt: who and which occurrence it was for, in which workflow run, and how it went. */
export interface DeliveryReport {
  outcome: DeliveryAttemptOutcome;
  /** Null only for an activity no workflow started (a test calling it directly). */
  workflowId: string | null;
  runId: string | null;
  userId: string;
  eventType: EventType;
  occurrenceYear: number;
  /** The activity's attempt number (1 for the first try, more after retries). */
  attempt: number;
  deliveryId?: string | null;
  statusCode?: number | null;
  error?: string | null;
  webhookLatencyMs?: number;
  latenessMs?: number;
}

export interface DeliveryObservers {
  log: Log;
  metrics: DeliveryMetrics;
}

const LINES: Record<DeliveryAttemptOutcome, { level: 'info' | 'warn' | 'error'; message: string }> = {
  delivered: { level: 'info', message: 'greeting delivered' },
  'already-delivered': { level: 'info', message: 'greeting already delivered; nothing sent' },
  'user-deleted': { level: 'info', message: 'user deleted; nothing sent' },
  missed: { level: 'warn', message: 'greeting later than the lateness limit; recorded as missed, nothing sent' },
  closed: { level: 'info', message: 'occurrence already closed; nothing sent' },
  skipped: { level: 'info', message: 'user paused when the greeting came due; recorded as skipped, nothing sent' },
  'not-found': { level: 'warn', message: 'no ledger row to re-drive; nothing sent' },
  'in-flight': { level: 'info', message: 'another attempt is sending this greeting; retrying later' },
  rejected: { level: 'error', message: 'webhook rejected the greeting; not retried' },
  unavailable: { level: 'warn', message: 'webhook unavailable; retrying' },
  failed: { level: 'error', message: 'greeting recorded as failed' },
};

/** Counts the attempt by outcome, times how late a delivered greeting was, and logs the attempt's line. */
export function reportDelivery(observers: DeliveryObservers, report: DeliveryReport): void {
  observers.metrics.deliveries.inc({ event_type: report.eventType, outcome: report.outcome });
  if (report.outcome === 'delivered' && report.latenessMs !== undefined) {
    observers.metrics.lateness.observe({ event_type: report.eventType }, report.latenessMs / 1000);
  }
  const line = LINES[report.outcome];
  observers.log[line.level](line.message, { ...report });
}

/** The label of a webhook answer in the latency histogram. */
export function statusClass(response: WebhookResponse): string {
  return response.kind === 'answered' ? `${Math.floor(response.status / 100)}xx` : 'error';
}
