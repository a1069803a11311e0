/** What one webhook call came to, before any policy is applied. */
export type WebhookResponse =
  | { kind: 'answered'; status: number; retryAfterMs: number | null; bodyExcerpt: string }
  | { kind: 'unreachable'; error: string };

export interface WebhookRequest {
  url: string;
  idempotencyKey: string;
  payload: unknown;
  timeoutMs: number;
  /** Cuts the call short (the worker is shutting down); its reason becomes the error. */
  signal?: AbortSignal;
}

const BODY_EXCERPT_LIMIT = 500;

/** POSTs one delivery. Never throws: a refused connection or a timeout is an answer too. */
export async function postWebhook(request: WebhookRequest, fetchImpl: typeof fetch = fetch): Promise<WebhookResponse> {
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.idempotencyKey,
        'user-agent': 'yearly-greetings',
      },
      body: JSON.stringify(request.payload),
      redirect: 'manual',
      signal: request.signal
        ? AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal])
        : AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text().catch(() => '');
    return {
      kind: 'answered',
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      bodyExcerpt: body.slice(0, BODY_EXCERPT_LIMIT),
    };
  } catch (error) {
    if (request.signal?.aborted) {
      const reason: unknown = request.signal.reason;
      return { kind: 'unreachable', error: reason instanceof Error ? reason.message : String(reason) };
    }
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return {
      kind: 'unreachable',
      error: timedOut ? `no answer within ${request.timeoutMs} ms` : `${String(error)}${cause}`,
    };
  }
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** 408 and 429 say "try later"; 5xx is the receiver's trouble; any other status will not change on a retry. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
