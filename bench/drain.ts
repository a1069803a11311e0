import type { Lane } from './receiver';
import { distribution, perSecond, sleep, type Distribution } from './stats';
import { progress } from './progress';

/** How a sender emptied a burst of greetings all due at one instant, as the receiver saw it. */
export interface DrainFigures {
  deliveries: number;
  /** Distinct users greeted. */
  users: number;
  repeats: number;
  /** Deliveries per second from the due instant to the last delivery. */
  drainRatePerSecond: number | null;
  peakPerSecond: number;
  firstAfterDueMs: number | null;
  lastAfterDueMs: number | null;
  lateness: Distribution;
  /** Deliveries in each second after the due instant (for the plot). */
  perSecond: number[];
  /** POSTs by the worker process that sent them (empty when the bench did not start the workers). */
  bySender: Record<string, number>;
}

export function drainFigures(lane: Lane, dueMs: number): DrainFigures {
  const times = lane.receivedAtMs;
  const last = times.length ? Math.max(...times) : null;
  const first = times.length ? Math.min(...times) : null;
  const buckets = perSecond(times, dueMs);
  return {
    deliveries: times.length,
    users: lane.users.size,
    repeats: lane.repeats,
    drainRatePerSecond: last !== null && last > dueMs ? times.length / ((last - dueMs) / 1000) : null,
    peakPerSecond: Math.max(0, ...buckets),
    firstAfterDueMs: first !== null ? first - dueMs : null,
    lastAfterDueMs: last !== null ? last - dueMs : null,
    lateness: distribution(lane.latenessMs),
    perSecond: buckets,
    bySender: { ...lane.bySender },
  };
}

/**
 * Waits until `expected` users were greeted on the lane, with a progress bar; gives up once nothing new arrived for
 * `stallMs`. Answers whether all arrived.
 */
export async function waitForDrain(lane: Lane, expected: number, label: string, stallMs = 60_000): Promise<boolean> {
  const bar = progress(label, expected);
  let seen = lane.users.size;
  let lastChange = Date.now();
  try {
    while (lane.users.size < expected) {
      if (lane.users.size !== seen) {
        seen = lane.users.size;
        lastChange = Date.now();
      }
      bar.update(seen);
      if (Date.now() - lastChange > stallMs) return false;
      await sleep(200);
    }
    bar.update(lane.users.size);
    return true;
  } finally {
    bar.stop();
  }
}
