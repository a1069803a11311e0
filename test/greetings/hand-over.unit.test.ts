import { handOverDelayMs } from '../../src/greetings/hand-over';

const HOURS_3 = 3 * 3_600_000;

test('spreads the hand-overs of one rush evenly over the window, each key always at the same point', () => {
  const keys = Array.from(
    { length: 10_000 },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}/birthday`,
  );
  const delays = keys.map((key) => handOverDelayMs(key, HOURS_3));

  expect(delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay < HOURS_3)).toBe(true);
  expect(keys.map((key) => handOverDelayMs(key, HOURS_3))).toEqual(delays);
  // Ten equal slices of the window each take about a tenth of the runs (none empty, none crowded).
  const slices = new Array<number>(10).fill(0);
  for (const delay of delays) slices[Math.floor(delay / (HOURS_3 / 10))]! += 1;
  for (const count of slices) expect(count).toBeGreaterThan(800);
  for (const count of slices) expect(count).toBeLessThan(1_200);
});

test('a window of zero hands over at once', () => {
  expect(handOverDelayMs('any/birthday', 0)).toBe(0);
});
