/** Requests a second one API key may send, and how many more at once after a quiet spell. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket per API key: each key's requests refill at `perSecond` up to `burst`. One client (one key) that
 * floods the API is slowed down with 429 + Retry-After before its requests reach Postgres or Temporal, and the other
 * keys' requests keep their share. Buckets are kept per configured key, so there are as many as there are keys.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<number, { tokens: number; atMs: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  take(key: number): RateDecision {
    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, atMs: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.limit.perSecond);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond)) };
  }
}
