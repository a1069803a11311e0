import { BackgroundStarts } from '../../src/users/background-starts';

/** A job that runs until the test lets it finish. */
function heldJob() {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let started = false;
  return {
    job: async () => {
      started = true;
      await finished;
    },
    finish: () => finish(),
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('runs at most `concurrency` jobs at once, the next as soon as one ends', async () => {
  const starts = new BackgroundStarts({ concurrency: 2, maxQueued: 10 });
  const jobs = [heldJob(), heldJob(), heldJob()];
  jobs.forEach((held, index) => expect(starts.hand(`user-${index}`, held.job)).toBe(true));
  await tick();
  expect(jobs.map((held) => held.started)).toEqual([true, true, false]);
  expect(starts.size).toBe(3);

  jobs[0]!.finish();
  await tick();
  expect(jobs[2]!.started).toBe(true);
  jobs[1]!.finish();
  jobs[2]!.finish();
  await starts.idle();
  expect(starts.size).toBe(0);
});

test('a full queue takes no more jobs: the caller leaves them to the reconciler', async () => {
  const starts = new BackgroundStarts({ concurrency: 1, maxQueued: 1 });
  const running = heldJob();
  const queued = heldJob();
  expect(starts.hand('a', running.job)).toBe(true);
  expect(starts.hand('b', queued.job)).toBe(true);
  await tick();
  expect(starts.hand('c', heldJob().job)).toBe(false);
  running.finish();
  queued.finish();
  await starts.idle();
  expect(starts.hand('c', async () => {})).toBe(true);
});

test("settled waits for that user's job only", async () => {
  const starts = new BackgroundStarts({ concurrency: 2, maxQueued: 10 });
  const ada = heldJob();
  const bob = heldJob();
  starts.hand('ada', ada.job);
  starts.hand('bob', bob.job);
  let adaSettled = false;
  const waiting = starts.settled('ada').then(() => (adaSettled = true));
  await starts.settled('nobody');
  bob.finish();
  await starts.settled('bob');
  expect(adaSettled).toBe(false);
  ada.finish();
  await waiting;
  expect(adaSettled).toBe(true);
});

test('stop lets the running jobs finish, drops the waiting ones and takes no more', async () => {
  const starts = new BackgroundStarts({ concurrency: 1, maxQueued: 10 });
  const running = heldJob();
  const waiting = heldJob();
  starts.hand('a', running.job);
  starts.hand('b', waiting.job);
  await tick();
  let stopped = false;
  const stopping = starts.stop().then(() => (stopped = true));
  expect(starts.hand('c', heldJob().job)).toBe(false);
  await tick();
  expect(stopped).toBe(false);
  running.finish();
  await stopping;
  expect(waiting.started).toBe(false);
  await starts.settled('b');
});
