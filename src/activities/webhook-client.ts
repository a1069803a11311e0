import type { WebhookSigner } from './webhook-signature';

/** What one webhook call came to, before any policy is applied. */
export type WebhookResponse =
  | { kind: 'answered'; status: number; retryAfterMs: number | null; bodyExcerpt: string }
  | { kind: 'unreachable'; error: string };

export interface WebhookRequest {
  url: string;
  idempotencyKey: string;
  payload: unknown;
  /** Signs the body (Standard Webhooks headers), with `idempotencyKey` as the message id. */
  signer: WebhookSigner;
  timeoutMs: number;
  /** Cuts the call short (the worker is shutting down); its reason becomes the error. */
  signal?: AbortSignal;
}

const BODY_EXCERPT_LIMIT = 500;

/** POSTs one delivery. Never throws: a refused connection or a timeout is an answer too. */
export async function postWebhook(request: WebhookRequest, fetchImpl: typeof fetch = fetch): Promise<WebhookResponse> {
  try {
    const body = JSON.stringify(request.payload);
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.idempotencyKey,
        'user-agent': 'yearly-greetings',
        ...request.signer.headers(request.idempotencyKey, body, new Date()),
      },
      body,
      redirect: 'manual',
      signal: request.signal
        ? AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal])
        : AbortSignal.timeout(request.timeoutMs),
    });
    return {
      kind: 'answered',
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      bodyExcerpt: await readExcerpt(response),
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

/**
 * The start of the answer's body, for the ledger's error: read up to the limit and no further, so a receiver that
 * answers with an endless or huge body costs nothing but that.
 */
async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder();
  let excerpt = '';
  try {
    while (excerpt.length < BODY_EXCERPT_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      excerpt += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut off midway: what arrived is the excerpt.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return excerpt.slice(0, BODY_EXCERPT_LIMIT);
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
