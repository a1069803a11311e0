import { isValidTimezone, nextOccurrence, occurrenceInYear, type LeapDayPolicy } from '../../src/time/next-occurrence';

const at = (iso: string) => Date.parse(iso);

function next(date: string, timezone: string, nowIso: string, extra: { notBeforeYear?: number } = {}) {
  return nextOccurrence({ date, timezone, deliveryTime: '09:00', nowMs: at(nowIso), ...extra });
}

describe('nextOccurrence: 09:00 local on the birthday', () => {
  test('New York in winter (EST, UTC-5)', () => {
    const occurrence = next('1990-01-15', 'America/New_York', '2026-11-23T12:00:00Z');
    expect(occurrence).toMatchObject({
      year: 2027,
      localDate: '2027-01-15',
      localDateTime: '2027-01-15T09:00:00.000-05:00',
      instant: '2027-01-15T14:00:00.000Z',
    });
  });

  test('New York in summer (EDT, UTC-4): the DST offset of the birthday is used, not of today', () => {
    const occurrence = next('1990-07-04', 'America/New_York', '2026-11-23T12:00:00Z');
    expect(occurrence.instant).toBe('2027-07-04T13:00:00.000Z');
    expect(occurrence.localDateTime).toBe('2027-07-04T09:00:00.000-04:00');
  });

  test('the day DST starts in Europe/Berlin: 09:00 is after the 02:00 jump, so CEST (UTC+2)', () => {
    // 2027-03-28 is the last Sunday of March.
    expect(next('1985-03-28', 'Europe/Berlin', '2027-01-01T00:00:00Z').instant).toBe('2027-03-28T07:00:00.000Z');
  });

  test('the day DST ends in Europe/Berlin: 09:00 is after the 03:00 fall-back, so CET (UTC+1)', () => {
    // 2027-10-31 is the last Sunday of October.
    expect(next('1985-10-31', 'Europe/Berlin', '2027-01-01T00:00:00Z').instant).toBe('2027-10-31T08:00:00.000Z');
  });

  test('Asia/Kathmandu, a +05:45 zone', () => {
    const occurrence = next('1979-03-14', 'Asia/Kathmandu', '2026-11-23T00:00:00Z');
    expect(occurrence.instant).toBe('2027-03-14T03:15:00.000Z');
    expect(occurrence.localDateTime).toBe('2027-03-14T09:00:00.000+05:45');
  });

  test('Asia/Kolkata, a +05:30 zone', () => {
    expect(next('1979-06-01', 'Asia/Kolkata', '2026-11-23T00:00:00Z').instant).toBe('2027-06-01T03:30:00.000Z');
  });

  test('Pacific/Tongatapu, a +13:00 zone: the birthday starts the day before in UTC', () => {
    const occurrence = next('2000-01-01', 'Pacific/Tongatapu', '2026-11-23T00:00:00Z');
    expect(occurrence.localDate).toBe('2027-01-01');
    expect(occurrence.instant).toBe('2026-12-31T20:00:00.000Z');
  });

  test('Pacific/Chatham, a +13:45 zone in its summer', () => {
    expect(next('2000-01-01', 'Pacific/Chatham', '2026-11-23T00:00:00Z').instant).toBe('2026-12-31T19:15:00.000Z');
  });

  test('Pacific/Kiritimati (+14:00) and Pacific/Pago_Pago (-11:00) greet the same date 25 hours apart', () => {
    const east = next('2000-05-05', 'Pacific/Kiritimati', '2026-11-23T00:00:00Z');
    const west = next('2000-05-05', 'Pacific/Pago_Pago', '2026-11-23T00:00:00Z');
    expect(east.instant).toBe('2027-05-04T19:00:00.000Z');
    expect(west.instant).toBe('2027-05-05T20:00:00.000Z');
  });

  test('a historical offset change: Pacific/Apia skipped 2011-12-30 and moved from -10:00 to +14:00', () => {
    expect(next('1990-12-29', 'Pacific/Apia', '2011-01-01T00:00:00Z').instant).toBe('2011-12-29T19:00:00.000Z');
    expect(next('1990-12-31', 'Pacific/Apia', '2011-01-01T00:00:00Z').instant).toBe('2011-12-30T19:00:00.000Z');
  });

  test('Africa/Monrovia kept -00:44:30 until 1972: localDateTime keeps the seconds and names the due instant', () => {
    const occurrence = next('1990-06-01', 'Africa/Monrovia', '1971-01-01T00:00:00Z');
    expect(occurrence.instant).toBe('1971-06-01T09:44:30.000Z');
    expect(occurrence.localDateTime).toBe('1971-06-01T09:00:00.000-00:44:30');
  });
});

describe('nextOccurrence: Feb 29 birthdays', () => {
  function leapDayIn(year: number, leapDayPolicy?: LeapDayPolicy) {
    const query = { date: '2000-02-29', timezone: 'Europe/London', deliveryTime: '09:00', leapDayPolicy };
    return nextOccurrence({ ...query, nowMs: at(`${year}-01-01T00:00:00Z`) });
  }

  test.each<[LeapDayPolicy | 'default', number, string]>([
    ['default', 2028, '2028-02-29'],
    ['default', 2027, '2027-02-28'],
    ['feb28', 2028, '2028-02-29'],
    ['feb28', 2027, '2027-02-28'],
    ['feb28', 2100, '2100-02-28'],
    ['mar1', 2028, '2028-02-29'],
    ['mar1', 2027, '2027-03-01'],
    ['mar1', 2100, '2100-03-01'],
    ['mar1', 2000, '2000-02-29'],
  ])('%s policy in %i: greeted on %s at 09:00', (policy, year, localDate) => {
    const occurrence = leapDayIn(year, policy === 'default' ? undefined : policy);
    expect(occurrence).toMatchObject({ year, localDate, localDateTime: `${localDate}T09:00:00.000+00:00` });
  });

  test('a Feb 28 greeting in a non-leap year counts for that year, so Feb 29 of the next leap year is the next one', () => {
    expect(next('2000-02-29', 'UTC', '2027-02-28T10:00:00Z').localDate).toBe('2028-02-29');
  });

  test('so does a Mar 1 greeting under the mar1 policy', () => {
    const occurrence = nextOccurrence({
      date: '2000-02-29',
      timezone: 'UTC',
      deliveryTime: '09:00',
      nowMs: at('2027-03-01T10:00:00Z'),
      leapDayPolicy: 'mar1',
    });
    expect(occurrence.localDate).toBe('2028-02-29');
  });
});

describe('nextOccurrence: created on the birthday itself', () => {
  test('before 09:00 local: greeted today', () => {
    // 08:59 in Kathmandu is 03:14 UTC.
    const occurrence = next('1990-11-23', 'Asia/Kathmandu', '2026-11-23T03:14:00Z');
    expect(occurrence).toMatchObject({ year: 2026, instant: '2026-11-23T03:15:00.000Z' });
  });

  test('exactly at 09:00 local: greeted now', () => {
    expect(next('1990-11-23', 'Asia/Kathmandu', '2026-11-23T03:15:00Z').year).toBe(2026);
  });

  test('after 09:00 local: greeted next year', () => {
    const occurrence = next('1990-11-23', 'Asia/Kathmandu', '2026-11-23T03:15:00.001Z');
    expect(occurrence).toMatchObject({ year: 2027, instant: '2027-11-23T03:15:00.000Z' });
  });

  test('it is still the day before in the user zone while it is the birthday in UTC', () => {
    // 2026-11-23T02:00Z is 2026-11-22 16:00 in Honolulu: the Nov 23 greeting is still ahead, today's in UTC terms.
    expect(next('1990-11-23', 'Pacific/Honolulu', '2026-11-23T02:00:00Z').instant).toBe('2026-11-23T19:00:00.000Z');
  });

  test('notBeforeYear skips the year already delivered even while its due moment is still today', () => {
    expect(next('1990-11-23', 'UTC', '2026-11-23T08:00:00Z', { notBeforeYear: 2027 }).year).toBe(2027);
  });
});

describe('occurrenceInYear', () => {
  test('honours a configured time of day with seconds', () => {
    const occurrence = occurrenceInYear({
      year: 2027,
      month: 3,
      day: 14,
      timezone: 'Asia/Kolkata',
      deliveryTime: '18:30:15',
    });
    expect(occurrence.instant).toBe('2027-03-14T13:00:15.000Z');
  });

  test('a wall time inside a DST gap resolves to a real instant after the gap', () => {
    // America/New_York skips 02:00-03:00 on 2027-03-14.
    const occurrence = occurrenceInYear({
      year: 2027,
      month: 3,
      day: 14,
      timezone: 'America/New_York',
      deliveryTime: '02:30',
    });
    expect(occurrence.instant).toBe('2027-03-14T07:30:00.000Z');
    expect(occurrence.localDateTime).toBe('2027-03-14T03:30:00.000-04:00');
  });

  test('a wall time inside a DST overlap resolves to the earlier instant', () => {
    // America/New_York repeats 01:00-02:00 on 2027-11-07.
    const occurrence = occurrenceInYear({
      year: 2027,
      month: 11,
      day: 7,
      timezone: 'America/New_York',
      deliveryTime: '01:30',
    });
    expect(occurrence.instant).toBe('2027-11-07T05:30:00.000Z');
  });
});

describe('nextOccurrence: bad input is refused', () => {
  test.each([
    ['an unknown zone', { date: '1990-01-01', timezone: 'Mars/Olympus' }],
    ['a date that does not exist', { date: '1990-02-30', timezone: 'UTC' }],
    ['a malformed date', { date: '01/02/1990', timezone: 'UTC' }],
  ])('%s', (_label, input) => {
    expect(() => nextOccurrence({ ...input, deliveryTime: '09:00', nowMs: 0 })).toThrow(RangeError);
  });

  test('a malformed time of day', () => {
    expect(() => nextOccurrence({ date: '1990-01-01', timezone: 'UTC', deliveryTime: '9am', nowMs: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('isValidTimezone', () => {
  test.each(['Europe/London', 'Asia/Kathmandu', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1', 'UTC'])(
    'accepts %s',
    (zone) => {
      expect(isValidTimezone(zone)).toBe(true);
    },
  );

  // Intl takes UTC offsets as time zones since ES2024 (Node 22 on); they are not IANA names and have no rules.
  test.each(['+01:00', '-05:30', '+0100', '+01', '\u221201:00', 'Europe/Atlantis', ''])('refuses %j', (zone) => {
    expect(isValidTimezone(zone)).toBe(false);
  });

  // Intl takes these too; only IANA's own names, as IANA spells them, are time zones here.
  test.each(['europe/london', 'UTC ', 'SystemV/AST4', 'US/Pacific-New', 'Factory'])('refuses %j', (zone) => {
    expect(isValidTimezone(zone)).toBe(false);
  });

  test('a plan is still made for a zone saved before names were checked against IANA (`europe/london`)', () => {
    const planned = nextOccurrence({
      date: '1990-12-10',
      timezone: 'europe/london',
      deliveryTime: '09:00',
      nowMs: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(planned.instant).toBe('2026-12-10T09:00:00.000Z');
  });
});
