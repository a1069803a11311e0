import type { Worker } from '@temporalio/worker';

/** How often the watch looks at the worker's state: a shutdown is seen within this long. */
const WATCH_INTERVAL_MS = 250;

/**
 * An abort signal for attempts that the SDK never cancels at shutdown: local activities (deliveries run as one) are
 * not part of the shutdown grace time, so an attempt waiting on a slow receiver would hold the worker's exit for as
 * long as the webhook timeout. Call `watch(worker)` once the worker exists: `graceTimeMs` after its shutdown starts,
 * the signal aborts, the attempt cuts its POST short and records it for a retry.
 */
export function shutdownGrace(graceTimeMs: number) {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    watch(worker: Pick<Worker, 'getState'>): void {
      const timer = setInterval(() => {
        const state = worker.getState();
        if (state === 'INITIALIZED' || state === 'RUNNING') return;
        clearInterval(timer);
        if (state === 'STOPPED' || state === 'FAILED') return;
        setTimeout(() => controller.abort(), graceTimeMs).unref();
      }, WATCH_INTERVAL_MS);
      timer.unref();
    },
  };
}
