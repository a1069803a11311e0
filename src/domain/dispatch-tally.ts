/**
 * What a dispatch of one instant did, summed over its pages and passes: kept small (counts and a lateness histogram)
 * because it travels in activity results and the workflow's history.
 */
export interface DispatchTally {
  /** Rows claimed (a retried row counts once per attempt). */
  claimed: number;
  delivered: number;
  /** Attempts that failed in a way worth retrying; the row waits for its next attempt. */
  retrying: number;
  /** Refused by the receiver (4xx): final. */
  failed: number;
  /** The user was paused at the moment. */
  skipped: number;
  /** The user was deleted, or the event removed. */
  cancelled: number;
  /** Later than the lateness limit: not sent. */
  missed: number;
  /** Attempts sent, counted by how late they started, per bucket of LATENESS_BUCKETS_MS (the last one open-ended). */
  latenessBuckets: number[];
}

/** Upper bounds of the lateness buckets, in ms. */
export const LATENESS_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000];

export function emptyTally(): DispatchTally {
  return {
    claimed: 0,
    delivered: 0,
    retrying: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    missed: 0,
    latenessBuckets: new Array<number>(LATENESS_BUCKETS_MS.length + 1).fill(0),
  };
}

/** The sum of several tallies. */
export function sumTallies(tallies: readonly DispatchTally[]): DispatchTally {
  const sum = emptyTally();
  for (const tally of tallies) {
    sum.claimed += tally.claimed;
    sum.delivered += tally.delivered;
    sum.retrying += tally.retrying;
    sum.failed += tally.failed;
    sum.skipped += tally.skipped;
    sum.cancelled += tally.cancelled;
    sum.missed += tally.missed;
    tally.latenessBuckets.forEach((count, bucket) => (sum.latenessBuckets[bucket]! += count));
  }
  return sum;
}

/** Counts one sent attempt's lateness in its bucket. */
export function countLateness(tally: DispatchTally, latenessMs: number): void {
  const bucket = LATENESS_BUCKETS_MS.findIndex((bound) => latenessMs <= bound);
  tally.latenessBuckets[bucket === -1 ? LATENESS_BUCKETS_MS.length : bucket]! += 1;
}

/** The bucket bound under which 99 % of the sent attempts started (null when none was sent; Infinity: over the last). */
export function latenessP99Ms(tally: DispatchTally): number | null {
  const total = tally.latenessBuckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [bucket, count] of tally.latenessBuckets.entries()) {
    seen += count;
    if (seen >= 0.99 * total) return LATENESS_BUCKETS_MS[bucket] ?? Infinity;
  }
  return Infinity;
}
