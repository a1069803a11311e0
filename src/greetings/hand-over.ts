/**
 * The share of the window no run wakes in: the instant's dispatcher has it to itself, so a run waking while the batch
 * is still draining (late on a busy machine, or a large rush) does not race it for a row it is about to send.
 */
const DISPATCHER_SHARE = 0.1;

/**
 * How long after its instant a run wakes (after its delivery, for runs of the older shape): a point in the window's
 * last nine tenths chosen by `key` (user and event) (FNV-1a hash), so the runs of everyone due at one 09:00 spread
 * evenly over it instead of piling onto the rush, and the same run always gets the same point.
 */
export function handOverDelayMs(key: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  const dispatcherOnlyMs = Math.floor(windowMs * DISPATCHER_SHARE);
  return dispatcherOnlyMs + pointInRange(key, windowMs - dispatcherOnlyMs);
}

/** A point in [0, rangeMs) chosen by `key` (FNV-1a hash): the same key always gets the same point. */
export function pointInRange(key: string, rangeMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash % rangeMs;
}
