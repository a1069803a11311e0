import { handOverDelayMs } from '../../src/greetings/hand-over';

const HOURS_3 = 3 * 3_600_000;

test("spreads the runs of one rush evenly over the window after the dispatcher's first tenth, each key always at the same point", () => {
  const keys = Array.from(
    { length: 10_000 },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}/birthday`,
  );
  const delays = keys.map((key) => handOverDelayMs(key, HOURS_3));

  // No run wakes in the window's first tenth: the instant's dispatcher has it to itself.
  expect(delays.every((delay) => Number.isInteger(delay) && delay >= HOURS_3 / 10 && delay < HOURS_3)).toBe(true);
  expect(keys.map((key) => handOverDelayMs(key, HOURS_3))).toEqual(delays);
  // The other nine tenths each take about a ninth of the runs (none empty, none crowded).
  const slices = new Array<number>(9).fill(0);
  for (const delay of delays) slices[Math.floor(delay / (HOURS_3 / 10)) - 1]! += 1;
  for (const count of slices) expect(count).toBeGreaterThan(900);
  for (const count of slices) expect(count).toBeLessThan(1_330);
});

test('a window of zero hands over at once', () => {
  expect(handOverDelayMs('any/birthday', 0)).toBe(0);
});
