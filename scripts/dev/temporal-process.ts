import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';

/**
 * Waits until a Temporal server process answers `probe` on its frontend; fails if the process exits first or the
 * probe still fails after `timeoutMs` (with the probe's last error).
 */
export async function waitUntilServing(
  child: ChildProcess,
  address: string,
  probe: (connection: Connection) => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  for (;;) {
    if (exited) throw new Error(exited);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await probe(connection);
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** SIGTERM lets the server close its store cleanly; SIGKILL only if it hangs. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
