import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cliSearchAttributeFlag } from '../../src/temporal/search-attribute-cli';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import { stopProcess, waitUntilServing } from './temporal-process';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The server's own output goes here, so a failed start can be diagnosed. */
  logFile: string;
  startTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  stop: () => Promise<void>;
  /** SIGKILL, as a crash would: SQLite in WAL mode keeps what was committed. */
  crash: () => Promise<void>;
}

/** Runs `temporal server start-dev` (server, Web UI, SQLite persistence) and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  await mkdir(path.dirname(options.dbFile), { recursive: true });
  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--log-level',
    'warn',
    // WAL with synchronous=NORMAL keeps committed data across a process crash and is far faster than the default.
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    ...(options.namespace === 'default' ? [] : ['--namespace', options.namespace]),
    // Registered on every start (an existing registration is kept), so the Web UI can filter on them.
    ...greetingSearchAttributes.flatMap((key) => ['--search-attribute', cliSearchAttributeFlag(key)]),
  ];
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);

  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(
      child,
      address,
      (connection) => connection.workflowService.describeNamespace({ namespace: options.namespace }),
      options.startTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stopProcess(child);
    throw new Error(`the Temporal dev server did not start (${String(error)}); see ${options.logFile}`, {
      cause: error,
    });
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: async () => {
      await stopProcess(child);
      logStream.end();
    },
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      logStream.end();
    },
  };
}
