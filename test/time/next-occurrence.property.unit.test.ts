import fc from 'fast-check';
import { EVENT_TYPES, type EventDates } from '../../src/greetings/events';
import { nextOccurrence, type LeapDayPolicy, type OccurrenceQuery } from '../../src/time/next-occurrence';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  formatWall,
  offsetMsAt,
  offsetTransitions,
  resolveWall,
  wallMsAt,
  type OffsetTransition,
  type ResolvedWallTime,
  type WallTimeKind,
} from '../support/wall-clock';

// Checked against an Intl-only reference (test/support/wall-clock.ts), never against Luxon itself.

const FIRST_NOW_MS = Date.UTC(1970, 0, 1);
const LAST_NOW_MS = Date.UTC(2100, 0, 1);

const ZONES = [...Intl.supportedValuesOf('timeZone'), 'UTC'];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The configured wall time on the birthday's date in `year`, with Feb 29 moved by the policy in other years. */
function dueWallMs(query: OccurrenceQuery, year: number): number {
  const [, month, day] = query.date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = query.deliveryTime.split(':').map(Number) as [number, number, number?];
  const movedLeapDay = query.leapDayPolicy === 'mar1' ? { month: 3, day: 1 } : { month: 2, day: 28 };
  const civil = month === 2 && day === 29 && !isLeapYear(year) ? movedLeapDay : { month, day };
  return Date.UTC(year, civil.month - 1, civil.day, hour, minute, second);
}

const localYear = (zone: string, instantMs: number) => new Date(wallMsAt(zone, instantMs)).getUTCFullYear();

interface ExpectedOccurrence extends ResolvedWallTime {
  year: number;
  wallMs: number;
}

/** The first year, from the year before "now" on and not before `notBeforeYear`, whose due instant is not past. */
function expectedOccurrence(query: OccurrenceQuery): ExpectedOccurrence {
  let year = Math.max(localYear(query.timezone, query.nowMs) - 1, query.notBeforeYear ?? -Infinity);
  for (; ; year += 1) {
    const wallMs = dueWallMs(query, year);
    const resolved = resolveWall(query.timezone, wallMs);
    if (resolved.instantMs >= query.nowMs) return { ...resolved, year, wallMs };
  }
}

/** The instant a local ISO date-time names, its offset read to the second (Date.parse stops at minutes). */
function instantOfLocalIso(text: string): number {
  const [, wall, sign, hours, minutes, seconds = '0'] = /^(.{23})([+-])(\d\d):(\d\d)(?::(\d\d))?$/.exec(text) ?? [];
  expect(wall).toBeDefined();
  const offsetMs = Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS + Number(seconds) * SECOND_MS;
  return Date.parse(`${wall}Z`) - (sign === '-' ? -offsetMs : offsetMs);
}

const kindsSeen = new Map<WallTimeKind, number>();

/**
 * nextOccurrence agrees with the reference on every field, and each field tells the same moment. `planned` is the
 * query the service makes (an event's date read off a user through its strategy), `query` the intended one.
 */
function expectAsReference(query: OccurrenceQuery, planned: OccurrenceQuery = query): void {
  const actual = nextOccurrence(planned);
  const expected = expectedOccurrence(query);
  kindsSeen.set(expected.kind, (kindsSeen.get(expected.kind) ?? 0) + 1);

  expect(actual.epochMs).toBeGreaterThanOrEqual(query.nowMs);
  expect(actual).toMatchObject({
    year: expected.year,
    epochMs: expected.instantMs,
    instant: new Date(expected.instantMs).toISOString(),
  });
  const actualWallMs = wallMsAt(query.timezone, actual.epochMs);
  expect(actual.localDateTime.slice(0, 23)).toBe(formatWall(actualWallMs));
  expect(actual.localDate).toBe(formatWall(actualWallMs).slice(0, 10));
  expect(instantOfLocalIso(actual.localDateTime)).toBe(actual.epochMs);

  if (expected.kind === 'gap') {
    // The wall time does not exist: it is read with the offset before the gap, i.e. moved on by the gap's length.
    const gapEndMs = expected.gapEndMs!;
    const gapMs = offsetMsAt(query.timezone, gapEndMs) - offsetMsAt(query.timezone, gapEndMs - SECOND_MS);
    expect(actual.epochMs).toBeGreaterThanOrEqual(gapEndMs);
    expect(actualWallMs - expected.wallMs).toBe(gapMs);
  } else {
    // The configured wall time, to the millisecond, on the right civil date; the earlier instant in an overlap.
    expect(formatWall(actualWallMs)).toBe(formatWall(expected.wallMs));
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pad = (value: number) => String(value).padStart(2, '0');

const anyDateArb = fc
  .integer({ min: Date.UTC(1900, 0, 1) / DAY_MS, max: Date.UTC(2100, 11, 31) / DAY_MS })
  .map((day) => isoDate(day * DAY_MS));
const leapDayArb = fc.integer({ min: 1904 / 4, max: 2096 / 4 }).map((quarter) => `${quarter * 4}-02-29`);
const birthdayArb = fc.oneof(
  { weight: 6, arbitrary: anyDateArb },
  { weight: 2, arbitrary: leapDayArb },
  { weight: 1, arbitrary: fc.constantFrom('1990-01-01', '1990-12-31', '1990-02-28', '1990-03-01') },
);
const policyArb = fc.constantFrom<LeapDayPolicy | undefined>(undefined, 'feb28', 'mar1');
const sixtyArb = fc.integer({ min: 0, max: 59 });
const deliveryTimeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 23 }), sixtyArb).map((parts) => parts.map(pad).join(':')),
  fc.tuple(fc.integer({ min: 0, max: 23 }), sixtyArb, sixtyArb).map((parts) => parts.map(pad).join(':')),
);

/** "Now" anywhere in 1970-2100, or within two days of a due moment, down to the millisecond on either side. */
const nowArb = fc.oneof(
  fc.record({ anywhereMs: fc.integer({ min: FIRST_NOW_MS, max: LAST_NOW_MS }) }),
  fc.record({
    dueYear: fc.integer({ min: 1970, max: 2099 }),
    fromDueMs: fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: -2 * DAY_MS, max: 2 * DAY_MS })),
  }),
);

function queryArb(zoneArb: fc.Arbitrary<string>, timeArb: fc.Arbitrary<string>): fc.Arbitrary<OccurrenceQuery> {
  return fc
    .record({
      timezone: zoneArb,
      date: birthdayArb,
      deliveryTime: timeArb,
      leapDayPolicy: policyArb,
      now: nowArb,
      notBeforeFromNowYear: fc.option(fc.integer({ min: -1, max: 2 }), { nil: undefined }),
    })
    .map(({ now, notBeforeFromNowYear, ...fields }) => {
      const query = { ...fields, nowMs: 0 };
      query.nowMs =
        'anywhereMs' in now
          ? now.anywhereMs
          : resolveWall(query.timezone, dueWallMs(query, now.dueYear)).instantMs + now.fromDueMs;
      const notBeforeYear =
        notBeforeFromNowYear === undefined ? undefined : localYear(query.timezone, query.nowMs) + notBeforeFromNowYear;
      return { ...query, notBeforeYear };
    });
}

const transitionsCache = new Map<string, OffsetTransition[]>();

function transitionsIn(zone: string, year: number): OffsetTransition[] {
  const key = `${zone} ${year}`;
  if (!transitionsCache.has(key)) {
    transitionsCache.set(key, offsetTransitions(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)));
  }
  return transitionsCache.get(key)!;
}

/**
 * A birthday and a wall time in or next to the hours a clock change skips or repeats: the wall times from 30 minutes
 * before to 30 minutes after the change, as they read on the clock, to the second.
 */
const aroundClockChangeArb = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    year: fc.integer({ min: 1970, max: 2099 }),
    pick: fc.nat(),
    perMille: fc.noBias(fc.integer({ min: 0, max: 999 })),
    daysBefore: fc.integer({ min: 1, max: 300 }),
    leapDayPolicy: policyArb,
  })
  .filter(({ timezone, year }) => transitionsIn(timezone, year).length > 0)
  .map(({ timezone, year, pick, perMille, daysBefore, leapDayPolicy }): OccurrenceQuery => {
    const transitions = transitionsIn(timezone, year);
    const change = transitions[pick % transitions.length]!;
    const changeMs = Math.abs(change.offsetAfterMs - change.offsetBeforeMs);
    const firstWallMs = change.atMs + Math.min(change.offsetBeforeMs, change.offsetAfterMs) - 30 * MINUTE_MS;
    const wallMs = firstWallMs + Math.floor((perMille * (changeMs + HOUR_MS)) / 1000 / SECOND_MS) * SECOND_MS;
    const wall = formatWall(wallMs);
    return {
      timezone,
      date: wall.slice(0, 10),
      deliveryTime: wall.slice(11, 19),
      leapDayPolicy,
      nowMs: change.atMs - daysBefore * DAY_MS,
      notBeforeYear: new Date(wallMs).getUTCFullYear(),
    };
  });

describe('nextOccurrence, against an Intl reference', () => {
  beforeEach(() => kindsSeen.clear());

  test(`09:00 local on the birthday, the first at or after now, in each of the ${ZONES.length} zones`, () => {
    for (const zone of ZONES) {
      fc.assert(
        fc.property(queryArb(fc.constant(zone), fc.constant('09:00')), (query) => expectAsReference(query)),
        { numRuns: 12 },
      );
    }
  });

  test('any HH:mm or HH:mm:ss delivery time in any zone', () => {
    const anyZoneAnyTime = queryArb(fc.constantFrom(...ZONES), deliveryTimeArb);
    fc.assert(
      fc.property(anyZoneAnyTime, (query) => expectAsReference(query)),
      { numRuns: 2_000 },
    );
  });

  test('wall times skipped by a clock change move on by the gap; repeated ones take the earlier instant', () => {
    fc.assert(
      fc.property(aroundClockChangeArb, (query) => expectAsReference(query)),
      { numRuns: 600 },
    );
    // The generator must really reach both kinds of clock change, or this test proves nothing about them.
    expect(kindsSeen.get('gap')).toBeGreaterThan(20);
    expect(kindsSeen.get('overlap')).toBeGreaterThan(20);
  });
});

describe.each(EVENT_TYPES.map((event) => [event.type, event] as const))('the %s strategy', (_type, event) => {
  // The other events' dates differ, so a strategy reading the wrong field plans another day and fails.
  const userArb = (date: string) =>
    fc
      .record({ birthday: birthdayArb, anniversary: birthdayArb })
      .map((others): EventDates => ({ ...others, [event.type]: date }));

  test('the date it reads off a user plans as the reference in any zone, Feb 29 by the policy, across clock changes', () => {
    const cases = fc.oneof(queryArb(fc.constantFrom(...ZONES), fc.constant('09:00')), aroundClockChangeArb);
    const withUser = cases.chain((query) => userArb(query.date).map((user) => ({ query, user })));
    fc.assert(
      fc.property(withUser, ({ query, user }) => {
        const date = event.dateOf(user);
        expect(date).not.toBeNull();
        expectAsReference(query, { ...query, date: date! });
      }),
      { numRuns: 500 },
    );
  });
});
