import { Context } from '@temporalio/activity';

/** The reason a POST was cut short when the worker's shutdown grace time ran out. */
export const WORKER_SHUTDOWN_REASON = 'the worker shut down before the receiver answered';

/**
 * Runs one activity attempt while it heartbeats (when the workflow set a heartbeat timeout), so the attempt of a worker
 * that crashed is retried within that timeout rather than the much longer start-to-close timeout. `work` receives a
 * signal that aborts only when the worker, shutting down, ends its grace time; other cancellations (a deleted user's
 * workflow) do not stop an attempt half-way.
 */
export async function withAttemptLifetime<T>(
  work: (workerShutdown: AbortSignal) => Promise<T>,
  /** Aborts at the end of the worker's shutdown grace time, for local activities, which the SDK never cancels. */
  graceOver?: AbortSignal,
): Promise<T> {
  const context = Context.current();
  const workerShutdown = new AbortController();
  const cutShort = () => workerShutdown.abort(new Error(WORKER_SHUTDOWN_REASON));
  // The SDK cancels in-flight activities once the shutdown grace time is over, and says so in the details.
  context.cancelled.catch(() => {
    if (context.cancellationDetails?.workerShutdown) cutShort();
  });
  if (graceOver?.aborted) cutShort();
  // The grace signal lives as long as the worker: each attempt takes its listener off again when it ends.
  graceOver?.addEventListener('abort', cutShort, { once: true });
  const heartbeatTimeoutMs = context.info.heartbeatTimeoutMs;
  // The SDK throttles what it sends; beating at a third of the timeout leaves room for a slow event loop.
  const heartbeats = heartbeatTimeoutMs ? setInterval(() => context.heartbeat(), heartbeatTimeoutMs / 3) : undefined;
  if (heartbeats) context.heartbeat();
  try {
    return await work(workerShutdown.signal);
  } finally {
    clearInterval(heartbeats);
    graceOver?.removeEventListener('abort', cutShort);
  }
}
