import { RowRate } from '../../src/bulk/row-rate';

// The import's pace: rows are let through at the configured rate on average, never faster, with no burst after a
// pause. A fake clock that the sleeps advance shows what a real one would do, without waiting.

function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
    pass: (ms: number) => (now += ms),
  };
}

test('lets 1,000 rows through at 200 a second in five seconds, in batches of 100', async () => {
  const clock = fakeClock();
  const rate = new RowRate(200, clock.now, clock.sleep);
  for (let batch = 0; batch < 10; batch++) await rate.take(100);
  expect(clock.now()).toBeCloseTo(5_000, 6);
});

test('an idle minute earns at most one second of rows, not a burst of a minute', async () => {
  const clock = fakeClock();
  const rate = new RowRate(100, clock.now, clock.sleep);
  clock.pass(60_000);
  await rate.take(100);
  expect(clock.now()).toBe(60_000);
  await rate.take(100);
  expect(clock.now()).toBeCloseTo(61_000, 6);
});

test('callers taking at once are served one after the other', async () => {
  const clock = fakeClock();
  const rate = new RowRate(50, clock.now, clock.sleep);
  await Promise.all([rate.take(50), rate.take(50), rate.take(50)]);
  expect(clock.now()).toBeCloseTo(3_000, 6);
});
