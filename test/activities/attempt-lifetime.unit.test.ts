import { getEventListeners } from 'node:events';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withAttemptLifetime, WORKER_SHUTDOWN_REASON } from '../../src/activities/attempt-lifetime';

// Local deliveries learn that the worker's shutdown grace time is over from one signal that lives as long as the
// worker: every attempt listens to it while it runs, and only while it runs.

test('an attempt running when the grace time ends is cut short with the reason', async () => {
  const graceOver = new AbortController();
  const attempt = new MockActivityEnvironment().run(() =>
    withAttemptLifetime(
      (workerShutdown) =>
        new Promise<string>((resolve) => {
          workerShutdown.addEventListener('abort', () => resolve(String((workerShutdown.reason as Error).message)));
        }),
      graceOver.signal,
    ),
  );
  graceOver.abort();
  await expect(attempt).resolves.toBe(WORKER_SHUTDOWN_REASON);
});

test('finished attempts leave no listener on the grace signal, however many ran', async () => {
  const graceOver = new AbortController();
  const env = new MockActivityEnvironment();
  for (let i = 0; i < 50; i++) {
    await env.run(() => withAttemptLifetime(() => Promise.resolve('done'), graceOver.signal));
  }
  await expect(
    env.run(() => withAttemptLifetime(() => Promise.reject(new Error('failed attempt')), graceOver.signal)),
  ).rejects.toThrow('failed attempt');
  expect(getEventListeners(graceOver.signal, 'abort')).toHaveLength(0);
});
