import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { isPlannableZone, isValidCalendarDate } from '../../src/time/calendar-date';
import { IANA_ZONE_NAMES } from '../../src/time/iana-zone-names';

// The workflow's validator checks without Luxon (src/time/calendar-date.ts says why); it must judge as Luxon, which
// makes the plans, does.

const pad = (value: number, width: number) => String(value).padStart(width, '0');

test('a date is valid exactly when Luxon finds it valid, over every year, month and day of the format', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      (year, month, day) => {
        const value = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        expect(isValidCalendarDate(value)).toBe(DateTime.fromISO(value, { zone: 'UTC' }).isValid);
      },
    ),
    { numRuns: 20_000 },
  );
});

test.each(['2024-02-29', '2000-02-29', '1900-02-28', '0000-02-29'])('%s is a real day', (value) => {
  expect(isValidCalendarDate(value)).toBe(true);
});

test.each([
  '2023-02-29',
  '1900-02-29',
  '2024-04-31',
  '2024-13-01',
  '2024-00-10',
  '24-01-01',
  '2024-1-01',
  ' 2024-01-01',
])('%s is not', (value) => {
  expect(isValidCalendarDate(value)).toBe(false);
});

test('a zone is plannable exactly when Luxon knows it and it is no UTC offset', () => {
  const names = [
    ...IANA_ZONE_NAMES,
    ...IANA_ZONE_NAMES.slice(0, 50).map((name) => name.toLowerCase()),
    'SystemV/AST4',
    'Mars/Olympus',
    '',
    '+01:00',
    '-0530',
    '\u221201:00',
    'UTC',
  ];
  for (const name of names) {
    const expected = IANAZone.isValidZone(name) && !/^[+\-\u2212]/.test(name);
    expect({ name, plannable: isPlannableZone(name) }).toEqual({ name, plannable: expected });
  }
});
