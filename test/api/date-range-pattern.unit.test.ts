import { DateTime } from 'luxon';
import { datesUpToPattern } from '../../src/api/date-range-pattern';

/** Every real date from `from` to `to`, as YYYY-MM-DD. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = DateTime.fromISO(from, { zone: 'UTC' }); day.toISODate()! <= to; day = day.plus({ days: 1 })) {
    dates.push(day.toISODate()!);
  }
  return dates;
}

test.each(['2026-11-29', '2026-01-01', '2026-12-31', '2030-03-01', '1900-01-01', '1999-12-31'])(
  'holds exactly the dates from 1900-01-01 to %s',
  (last) => {
    const pattern = new RegExp(datesUpToPattern(1900, last));
    const outside = datesBetween('1899-12-01', '1899-12-31').concat(
      datesBetween(DateTime.fromISO(last).plus({ days: 1 }).toISODate()!, '2031-01-31'),
    );
    expect(datesBetween('1900-01-01', last).filter((date) => !pattern.test(date))).toEqual([]);
    expect(outside.filter((date) => pattern.test(date))).toEqual([]);
  },
);
