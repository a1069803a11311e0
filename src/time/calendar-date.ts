// Checks on the two fields of a schedule that the workflow's Update validator runs. Plain JavaScript on purpose, no
// Luxon and no zone list: every workflow instantiates its own copy of each module its bundle imports (the SDK's
// reused V8 context keeps one module cache per workflow), and Luxon alone cost each cached run hundreds of KB.

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC offset as a time zone (`+01:00`, `-0530`, also with the minus sign U+2212): not a place, no rules. */
const OFFSET_TIME_ZONE = /^[+\-\u2212]/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar. */
export function isValidCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Whether the runtime's time-zone data knows `name` (the test Luxon's `IANAZone.isValidZone` makes). */
export function runtimeKnowsZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A zone a plan can be made in: a name the runtime knows (in any letter case), not a UTC offset. */
export function isPlannableZone(name: string): boolean {
  return name !== '' && !OFFSET_TIME_ZONE.test(name) && runtimeKnowsZone(name);
}
