import { DateTime, IANAZone } from 'luxon';
import { isPlannableZone } from './calendar-date';

/** What to do with a Feb 29 date in a year that has no Feb 29: greet on Feb 28 or on Mar 1. */
export const LEAP_DAY_POLICIES = ['feb28', 'mar1'] as const;
export type LeapDayPolicy = (typeof LEAP_DAY_POLICIES)[number];

export interface OccurrenceQuery {
  /** The yearly date as `YYYY-MM-DD` (a birthday: only month and day matter). */
  date: string;
  /** IANA zone the person lives in. */
  timezone: string;
  /** Local time of day the message is due, `HH:mm` or `HH:mm:ss`. */
  deliveryTime: string;
  /** The moment we are computing from, in epoch milliseconds. */
  nowMs: number;
  /** Years before this one are never returned (the year after a delivery, for the next run). */
  notBeforeYear?: number;
  leapDayPolicy?: LeapDayPolicy;
}

export interface Occurrence {
  /** The occurrence year: the ledger's key, one delivery per person, event and year. */
  year: number;
  /** The civil date the message is due on in the person's zone, `YYYY-MM-DD`. */
  localDate: string;
  /**
   * The due moment as local ISO time with offset, e.g. `2027-03-14T09:00:00.000+05:45`. An old offset with seconds
   * keeps them (`-00:44:30`, Africa/Monrovia until 1972) so that the text names the due moment exactly.
   */
  localDateTime: string;
  /** The due moment in UTC ISO. */
  instant: string;
  epochMs: number;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

export { isValidTimezone } from './time-zone-name';

export function isValidTimeOfDay(value: string): boolean {
  return TIME_PATTERN.test(value);
}

/**
 * The first due moment at or after `nowMs`: `deliveryTime` local on the yearly date. Created on the day before the
 * due time, it is today; after it, next year.
 */
export function nextOccurrence(query: OccurrenceQuery): Occurrence {
  const { month, day } = parseMonthDay(query.date);
  const nowLocal = DateTime.fromMillis(query.nowMs, { zone: requireZone(query.timezone) });
  const firstYear = Math.max(nowLocal.year, query.notBeforeYear ?? nowLocal.year);
  // The due moment of the first year may already be past; the next year's never is.
  for (const year of [firstYear, firstYear + 1]) {
    const occurrence = occurrenceInYear({ ...query, year, month, day });
    if (occurrence.epochMs >= query.nowMs) return occurrence;
  }
  throw new Error('unreachable: next year is always in the future');
}

/**
 * The last due moment at or before `nowMs` (this year's or last year's), for a run that starts after a due moment
 * nobody waited for (a restart, a terminated run) and may still send it late.
 */
export function latestOccurrence(query: Omit<OccurrenceQuery, 'notBeforeYear'>): Occurrence {
  const { month, day } = parseMonthDay(query.date);
  const nowYear = DateTime.fromMillis(query.nowMs, { zone: requireZone(query.timezone) }).year;
  for (const year of [nowYear, nowYear - 1]) {
    const occurrence = occurrenceInYear({ ...query, year, month, day });
    if (occurrence.epochMs <= query.nowMs) return occurrence;
  }
  throw new Error('unreachable: last year is always in the past');
}

/** The due moment of the yearly date in one given year. */
export function occurrenceInYear(args: {
  year: number;
  month: number;
  day: number;
  timezone: string;
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
}): Occurrence {
  const zone = requireZone(args.timezone);
  const { hour, minute, second } = parseTimeOfDay(args.deliveryTime);
  const civil = civilDateInYear(args.year, args.month, args.day, args.leapDayPolicy ?? 'feb28');
  const due = resolveWallTime({ ...civil, hour, minute, second }, zone);
  return {
    year: args.year,
    localDate: due.toISODate()!,
    localDateTime: localIsoWithExactOffset(due),
    instant: due.toUTC().toISO()!,
    epochMs: due.toMillis(),
  };
}

/** The occurrence a due instant already chosen stands for (an armed ledger row's), as the person's zone shows it. */
export function occurrenceAtInstant(args: { year: number; epochMs: number; timezone: string }): Occurrence {
  const due = DateTime.fromMillis(args.epochMs, { zone: requireZone(args.timezone) });
  return {
    year: args.year,
    localDate: due.toISODate()!,
    localDateTime: localIsoWithExactOffset(due),
    instant: due.toUTC().toISO()!,
    epochMs: args.epochMs,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant a local wall time names. In an overlap (clocks set back) it is the earlier of the two, so the greeting
 * is never an hour late; in a gap (clocks set forward) Luxon moves it forward by the gap's length.
 */
function resolveWallTime(
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  zone: IANAZone,
): DateTime {
  const wallAsUtcMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const candidateOffsets = new Set([-DAY_MS, 0, DAY_MS].map((shift) => zone.offset(wallAsUtcMs + shift)));
  const matching = [...candidateOffsets]
    .map((offsetMinutes) => wallAsUtcMs - offsetMinutes * 60_000)
    .filter((instantMs) => zone.offset(instantMs) * 60_000 === wallAsUtcMs - instantMs);
  if (matching.length > 0) return DateTime.fromMillis(Math.min(...matching), { zone });
  return DateTime.fromObject({ ...wall, millisecond: 0 }, { zone });
}

/** Luxon writes offsets to the minute only; one with seconds gets them added back. */
function localIsoWithExactOffset(due: DateTime): string {
  const offsetSeconds = Math.round(due.offset * 60);
  if (offsetSeconds % 60 === 0) return due.toISO()!;
  const magnitude = Math.abs(offsetSeconds);
  const parts = [Math.floor(magnitude / 3600), Math.floor(magnitude / 60) % 60, magnitude % 60];
  const offset = `${offsetSeconds < 0 ? '-' : '+'}${parts.map((part) => String(part).padStart(2, '0')).join(':')}`;
  return `${due.toISO({ includeOffset: false })!}${offset}`;
}

function civilDateInYear(year: number, month: number, day: number, policy: LeapDayPolicy) {
  const isLeapDay = month === 2 && day === 29;
  if (isLeapDay && !DateTime.local(year).isInLeapYear) {
    return policy === 'feb28' ? { year, month: 2, day: 28 } : { year, month: 3, day: 1 };
  }
  return { year, month, day };
}

function parseMonthDay(date: string): { month: number; day: number } {
  const match = DATE_PATTERN.exec(date);
  const parsed = match ? DateTime.fromISO(date, { zone: 'UTC' }) : undefined;
  if (!parsed?.isValid) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return { month: parsed.month, day: parsed.day };
}

function parseTimeOfDay(value: string): { hour: number; minute: number; second: number } {
  const match = TIME_PATTERN.exec(value);
  if (!match) throw new RangeError(`not a time of day (HH:mm or HH:mm:ss): ${JSON.stringify(value)}`);
  return { hour: Number(match[1]), minute: Number(match[2]), second: Number(match[3] ?? 0) };
}

/**
 * The zone a plan is made in. Looser than isValidTimezone on purpose: a row saved before names were checked against
 * IANA's list (`europe/london`) still gets its plan, in whatever zone the runtime takes it for.
 */
function requireZone(name: string): IANAZone {
  let zone = knownZones.get(name);
  if (zone === undefined) {
    // UTC offsets (`+01:00`): Intl accepts them since ES2024 (Node 22 on), but they carry none of a place's rules.
    zone = isPlannableZone(name) ? IANAZone.create(name) : null;
    knownZones.set(name, zone);
  }
  if (zone === null) throw new RangeError(`unknown IANA time zone: ${JSON.stringify(name)}`);
  return zone;
}

/**
 * Each name's answer, kept: Luxon checks a name by building an Intl formatter, a cost every plan paid twice (the
 * 09:00 rush plans thousands at once). The runtime's zone data does not change while it runs.
 */
const knownZones = new Map<string, IANAZone | null>();
