/**
 * A reference for local wall-clock time built on `Intl` alone, with no Luxon, so that it checks `src/time`
 * independently. Wall times are written as epoch milliseconds of the same wall time read as UTC ("wall ms").
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** Every offset ever used lies within ±15 hours, so an instant and its wall time are never further apart. */
const REACH_MS = 16 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

const EN_US_DATE_TIME = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** The wall time an instant shows in a zone, in wall ms. */
export function wallMsAt(zone: string, instantMs: number): number {
  // `format` and a pattern are several times faster than `formatToParts`, and the property tests call this a lot.
  const text = formatterFor(zone).format(instantMs);
  const [month, day, year, hour, minute, second] = EN_US_DATE_TIME.exec(text)!.slice(1).map<number>(Number);
  const millisecond = ((instantMs % SECOND_MS) + SECOND_MS) % SECOND_MS;
  // Date.UTC reads years 0-99 as 1900-1999; the tests only use years after 1900.
  return Date.UTC(year!, month! - 1, day, hour, minute, second, millisecond);
}

/** The zone's offset from UTC at an instant, in milliseconds (whole seconds, as some old offsets are). */
export function offsetMsAt(zone: string, instantMs: number): number {
  return wallMsAt(zone, instantMs) - instantMs;
}

/** `YYYY-MM-DDTHH:mm:ss.SSS` of a wall ms. */
export function formatWall(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, -1);
}

export type WallTimeKind = 'exact' | 'overlap' | 'gap';

export interface ResolvedWallTime {
  /** `exact`: the wall time happens once; `overlap`: twice (clocks set back); `gap`: never (clocks set forward). */
  kind: WallTimeKind;
  /** exact: its instant; overlap: the earlier one; gap: the wall time read with the offset before the gap. */
  instantMs: number;
  /** For a gap, the first instant after it. */
  gapEndMs?: number;
}

/** Every instant showing a wall time, found by trying each offset the zone uses around it. */
export function resolveWall(zone: string, wallMs: number): ResolvedWallTime {
  const offsets = new Set<number>();
  for (let probe = wallMs - REACH_MS; probe <= wallMs + REACH_MS; probe += HOUR_MS) {
    offsets.add(offsetMsAt(zone, probe));
  }
  const instants = [...offsets]
    .map((offset) => wallMs - offset)
    .filter((instant) => wallMsAt(zone, instant) === wallMs)
    .sort((a, b) => a - b);
  if (instants.length > 0) return { kind: instants.length > 1 ? 'overlap' : 'exact', instantMs: instants[0]! };
  const gapEndMs = firstInstantShowingLaterThan(zone, wallMs);
  return { kind: 'gap', instantMs: wallMs - offsetMsAt(zone, gapEndMs - SECOND_MS), gapEndMs };
}

/** Bisects, to the second, for the first instant whose wall time is past `wallMs` (offsets change on whole seconds). */
function firstInstantShowingLaterThan(zone: string, wallMs: number): number {
  let before = Math.floor((wallMs - REACH_MS) / SECOND_MS);
  let after = Math.ceil((wallMs + REACH_MS) / SECOND_MS);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallMsAt(zone, middle * SECOND_MS) > wallMs) after = middle;
    else before = middle;
  }
  return after * SECOND_MS;
}

export interface OffsetTransition {
  /** The first instant with the new offset. */
  atMs: number;
  offsetBeforeMs: number;
  offsetAfterMs: number;
}

/** The offset changes between two instants, found by sampling every week and bisecting to the second. */
export function offsetTransitions(zone: string, fromMs: number, toMs: number): OffsetTransition[] {
  const transitions: OffsetTransition[] = [];
  const step = 7 * DAY_MS;
  for (let start = fromMs; start < toMs; start += step) {
    const end = Math.min(start + step, toMs);
    const offsetBeforeMs = offsetMsAt(zone, start);
    const offsetAfterMs = offsetMsAt(zone, end);
    if (offsetBeforeMs === offsetAfterMs) continue;
    let before = Math.floor(start / SECOND_MS);
    let after = Math.ceil(end / SECOND_MS);
    while (after - before > 1) {
      const middle = Math.floor((before + after) / 2);
      if (offsetMsAt(zone, middle * SECOND_MS) === offsetBeforeMs) before = middle;
      else after = middle;
    }
    transitions.push({ atMs: after * SECOND_MS, offsetBeforeMs, offsetAfterMs: offsetMsAt(zone, after * SECOND_MS) });
  }
  return transitions;
}
