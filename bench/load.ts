import { sleep } from './stats';

/** One API call as the load generator saw it. */
export interface CallResult<T> {
  status: number;
  /** From sending the request until the whole answer was read. */
  latencyMs: number;
  /** Epoch ms when the answer was read. */
  answeredAtMs: number;
  body: T | undefined;
  /** The answer's Retry-After in seconds (a 429), when it gave one. */
  retryAfterSeconds?: number;
  /** Set when no answer came at all (connection refused, reset, ...). */
  error?: string;
}

/** One HTTP call, timed; keep-alive comes from fetch's shared connection pool (undici). */
export async function timedCall<T>(url: string, init?: RequestInit): Promise<CallResult<T>> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    const answeredAtMs = Date.now();
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined;
    }
    const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
    return {
      status: response.status,
      latencyMs: performance.now() - started,
      answeredAtMs,
      body,
      ...(Number.isFinite(retryAfter) && { retryAfterSeconds: retryAfter }),
    };
  } catch (error) {
    return {
      status: 0,
      latencyMs: performance.now() - started,
      answeredAtMs: Date.now(),
      body: undefined,
      error:
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error),
    };
  }
}

/** Runs `task(0 … count-1)` with at most `concurrency` in flight (a closed loop: as fast as the server answers). */
export async function runBounded(count: number, concurrency: number, task: (index: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/**
 * Starts `task(i)` at a fixed rate for `durationMs` whatever the answers take (an open loop: a slow server does not
 * slow the arrivals down, so its latency is not hidden). Resolves when every task has ended.
 */
export async function runOpenLoop(ratePerSecond: number, durationMs: number, task: (index: number) => Promise<void>) {
  const total = Math.floor((ratePerSecond * durationMs) / 1000);
  const start = performance.now();
  const running: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    await sleep(start + (index * 1000) / ratePerSecond - performance.now());
    running.push(task(index));
  }
  await Promise.all(running);
}
