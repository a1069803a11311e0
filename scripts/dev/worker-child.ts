import { loadConfig } from '../../src/config/config';
import '../../src/worker/main';

/**
 * The worker process `npm start` runs: `npm run worker`'s entry (src/worker/main.ts), tied to npm start. Its stdin is
 * a pipe from npm start, which the system closes however npm start ends, SIGKILL included: the worker then stops as
 * at SIGTERM (gracefully), and is ended for good if it still runs past its grace time and a margin.
 */
const HARD_STOP_MARGIN_MS = 15_000;

process.stdin.once('end', () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), loadConfig().WORKER_SHUTDOWN_GRACE_TIME + HARD_STOP_MARGIN_MS).unref();
});
process.stdin.resume();
// Waiting for the pipe to close must not keep the process alive once the worker is done.
process.stdin.unref();
