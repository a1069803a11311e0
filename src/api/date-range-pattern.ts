// A regular expression over `YYYY-MM-DD` dates that holds exactly the dates from Jan 1 of `firstYear` to `last`:
// JSON Schema has no bounds for a `date` format, but a pattern is understood by every tool that reads one. Whether
// a date is real (no Feb 30) is the `date` format's part, not the pattern's.

/** The pattern, anchored, of the dates from `${firstYear}-01-01` up to and including `last` (`YYYY-MM-DD`). */
export function datesUpToPattern(firstYear: number, last: string): string {
  const [year, month, day] = last.split('-').map(Number) as [number, number, number];
  const alternatives = [
    ...(year > firstYear ? [`(?:${yearsBetween(firstYear, year - 1)})-\\d\\d-\\d\\d`] : []),
    ...(month > 1 ? [`${year}-(?:${twoDigits(1, month - 1)})-\\d\\d`] : []),
    `${year}-${pad(month)}-(?:${twoDigits(1, day)})`,
  ];
  return `^(?:${alternatives.join('|')})$`;
}

/** `1900|1901|...` folded by decade: `190\d|191\d|...|202[0-5]`. */
function yearsBetween(first: number, last: number): string {
  const parts: string[] = [];
  for (let decade = Math.floor(first / 10) * 10; decade <= last; decade += 10) {
    const from = Math.max(first, decade);
    const to = Math.min(last, decade + 9);
    const prefix = String(decade).slice(0, 3);
    parts.push(from === decade && to === decade + 9 ? `${prefix}\\d` : `${prefix}[${from % 10}-${to % 10}]`);
  }
  return parts.join('|');
}

function twoDigits(from: number, to: number): string {
  const values: string[] = [];
  for (let value = from; value <= to; value += 1) values.push(pad(value));
  return values.join('|');
}

const pad = (value: number) => String(value).padStart(2, '0');
