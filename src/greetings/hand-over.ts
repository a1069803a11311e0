/**
 * How long after its delivery a run hands over to next year's run: a point in `windowMs` chosen by `key` (user and event)
 * (FNV-1a hash), so the hand-overs of everyone delivered at one 09:00 spread evenly over the window instead of
 * piling onto the rush, and the same run always gets the same point.
 */
export function handOverDelayMs(key: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash % windowMs;
}
