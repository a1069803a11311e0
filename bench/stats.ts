/** Percentiles by nearest rank over samples (milliseconds, usually); an empty sample gives nulls, never zeros. */
export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function distribution(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** How many events fell in each whole second from `startMs` (second 0 is [start, start + 1 s)). */
export function perSecond(timesMs: readonly number[], startMs: number): number[] {
  const buckets: number[] = [];
  for (const time of timesMs) {
    const second = Math.max(0, Math.floor((time - startMs) / 1000));
    while (buckets.length <= second) buckets.push(0);
    buckets[second]! += 1;
  }
  return buckets;
}

/** `value / baseline`, or null when either is missing or the baseline is 0. */
export function ratio(value: number | null | undefined, baseline: number | null | undefined): number | null {
  if (value == null || baseline == null || baseline === 0) return null;
  return value / baseline;
}

export function formatMs(ms: number | null): string {
  if (ms == null) return 'n/a';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

export function formatDistribution(d: Distribution): string {
  return `p50 ${formatMs(d.p50)} · p95 ${formatMs(d.p95)} · p99 ${formatMs(d.p99)} · max ${formatMs(d.max)}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
