import { isRetryableStatus, type WebhookResponse } from './webhook-client';

/** The retry policy of a delivery: the same for the dispatcher's pages and a user's own run. */
export const DELIVERY_RETRY = { initialMs: 10_000, coefficient: 2, maximumMs: 3_600_000 } as const;

/**
 * How long an attempt's claim on a row holds: the webhook's own time limit plus a margin to record the answer. An
 * attempt older than this never reported back and is taken to have crashed.
 */
export function attemptLeaseMs(webhookTimeoutMs: number): number {
  return webhookTimeoutMs + 5_000;
}

/** What the receiver's answer means for the row: done, refused for good, or worth another attempt after a delay. */
export type AnswerVerdict =
  { result: 'delivered' } | { result: 'rejected' } | { result: 'retry'; retryAfterMs: number };

/** The backoff before attempt `attempt + 1`: doubling from the initial interval, capped. */
export function backoffMs(attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(DELIVERY_RETRY.maximumMs, DELIVERY_RETRY.initialMs * DELIVERY_RETRY.coefficient ** exponent);
}

/**
 * A receiver's `Retry-After`, held within the policy's bounds: never sooner than the initial interval (0, 1 s or a
 * date already past must not become a loop of attempts) and never later than the maximum interval.
 */
export function boundedRetryAfterMs(retryAfterMs: number): number {
  return Math.min(DELIVERY_RETRY.maximumMs, Math.max(DELIVERY_RETRY.initialMs, retryAfterMs));
}

/** Classifies attempt `attempt`'s answer: 2xx delivered, a 4xx other than 408/429 rejected, the rest retried. */
export function verdictOn(response: WebhookResponse, attempt: number): AnswerVerdict {
  if (response.kind === 'answered' && response.status >= 200 && response.status < 300) return { result: 'delivered' };
  if (response.kind === 'answered' && !isRetryableStatus(response.status)) return { result: 'rejected' };
  const retryAfter = response.kind === 'answered' ? response.retryAfterMs : null;
  return { result: 'retry', retryAfterMs: retryAfter === null ? backoffMs(attempt) : boundedRetryAfterMs(retryAfter) };
}

/** The answer in a line, for the ledger's error and the log. */
export function describeAnswer(response: WebhookResponse, attempt: number): string {
  if (response.kind === 'unreachable') return `attempt ${attempt}: webhook unreachable: ${response.error}`;
  const body = response.bodyExcerpt ? `: ${response.bodyExcerpt}` : '';
  return `attempt ${attempt}: webhook answered HTTP ${response.status}${body}`;
}
