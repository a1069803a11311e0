import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cliSearchAttributeFlag } from '../../src/temporal/search-attribute-cli';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import { lastLines } from '../tools/run-command';
import { lostAPortItPicked } from './port-taken';
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

/** How often a start is tried when a port the server picked for itself was taken before it could bind it. */
const START_ATTEMPTS = 3;

/**
 * Runs `temporal server start-dev` (server, Web UI, SQLite persistence) and waits until it answers. The server picks
 * free ports of its own (HTTP API, metrics, its internal services) and binds them a moment later; another process can
 * take one in between, so such a start is tried again. A port the operator chose that is taken fails at once.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  await mkdir(path.dirname(options.dbFile), { recursive: true });
  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  for (let attempt = 1; ; attempt++) {
    const started = await startOnce(options, logStream);
    if ('child' in started) return running(started.child, options, logStream);
    const lastAttempt =
      attempt === START_ATTEMPTS || !lostAPortItPicked(started.output, [options.port, options.uiPort]);
    if (lastAttempt) {
      logStream.end();
      throw new Error(
        `the Temporal dev server did not start (${String(started.error)}); see ${options.logFile}:\n` +
          lastLines(started.output),
        { cause: started.error },
      );
    }
  }
}

async function startOnce(
  options: DevServerOptions,
  logStream: WriteStream,
): Promise<{ child: ChildProcess } | { error: unknown; output: string }> {
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
  // Kept until the server answers, for the error of a failed start.
  let output = '';
  const keep = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  try {
    await waitUntilServing(
      child,
      `127.0.0.1:${options.port}`,
      (connection) => connection.workflowService.describeNamespace({ namespace: options.namespace }),
      options.startTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stopProcess(child);
    return { error, output };
  }
  child.stdout.off('data', keep);
  child.stderr.off('data', keep);
  return { child };
}

function running(child: ChildProcess, options: DevServerOptions, logStream: WriteStream): RunningDevServer {
  const address = `127.0.0.1:${options.port}`;
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
