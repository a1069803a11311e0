import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/dev/free-port';
import { sleep } from './stats';

export type Engine = 'dev' | 'server';

/** The project folder: the stack runs from here as `npm start` does. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** What the bench talks to: the API, the stack's Postgres (for the ledger check) and its Temporal frontend. */
export interface BenchStack {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The root process of the stack when the bench started it (for CPU and memory); undefined when attached. */
  pid: number | undefined;
  /** DATA_DIR of a stack the bench started (Temporal's sqlite files are there). */
  dataDir: string | undefined;
  /** From spawn until the stack printed that it is running. */
  startupMs: number | null;
  stop(): Promise<void>;
}

export interface StartStackOptions {
  engine: Engine;
  /** Where the worker POSTs greetings: the bench's own receiver. */
  webhookUrl: string;
  /** The worker's DELIVERY_TIME (`HH:mm` or `HH:mm:ss`). */
  deliveryTime: string;
  keepData: boolean;
  /** How long to wait for the stack to say it is running. */
  startupTimeoutMs?: number;
}

const RUNNING = 'yearly-greetings is running';

/** Stacks the bench started and has not stopped yet: a Ctrl-C on the bench stops them too. */
const started = new Set<() => Promise<void>>();

export async function stopStartedStacks(): Promise<void> {
  await Promise.all([...started].map((stop) => stop()));
}

/**
 * Starts the service for a benchmark. `dev` is `npm start` exactly as a user runs it (embedded Postgres, Temporal
 * dev server, worker and API in one process) with a fresh DATA_DIR and free ports.
 */
export async function startStack(options: StartStackOptions): Promise<BenchStack> {
  switch (options.engine) {
    case 'dev':
      return startDevStack(options);
    case 'server':
      // The seam for a real temporal-server on Postgres, provided separately; until then this engine cannot run.
      throw new Error(
        '--engine server is not available yet: starting a real temporal-server on Postgres is not implemented in ' +
          'bench/stack.ts (startStack). Use --engine dev, or --api URL against a stack you started yourself.',
      );
  }
}

/** A stack someone else runs: the bench only creates users and reads from it. */
export function attachStack(options: { apiUrl: string; databaseUrl: string; temporalAddress: string }): BenchStack {
  return { ...options, pid: undefined, dataDir: undefined, startupMs: null, stop: () => Promise.resolve() };
}

async function startDevStack(options: StartStackOptions): Promise<BenchStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-bench-'));
  // Run as root, the embedded Postgres runs as the `postgres` user, which must be able to reach its data folder.
  await chmod(dataDir, 0o755);
  const ports = {
    PORT: await freePort(),
    EMBEDDED_POSTGRES_PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    METRICS_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    DATA_DIR: dataDir,
    WEBHOOK_URL: options.webhookUrl,
    DELIVERY_TIME: options.deliveryTime,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
  const logFile = path.join(dataDir, 'stack.log');
  const log = createWriteStream(logFile);
  const startedAt = Date.now();
  // Its own process group, so that stopping it is a Ctrl-C to every process of the run, as in a terminal.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev/start-all.ts'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    // Only the start matters (the running banner) and the tail (why it failed): keep a bounded window.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    started.delete(stop);
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGINT');
      const code = await Promise.race([exited, sleep(90_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    }
    await new Promise((resolve) => log.end(resolve));
    if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    else console.log(`stack data kept in ${dataDir} (log: ${logFile})`);
  };

  const deadline = startedAt + (options.startupTimeoutMs ?? 240_000);
  while (!output.includes(RUNNING)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the stack did not start (npm start printed):\n${output.slice(-4_000)}`);
    }
    await sleep(100);
  }
  started.add(stop);
  return {
    apiUrl: `http://127.0.0.1:${ports.PORT}`,
    // scripts/dev/embedded-postgres.ts: user and password `postgres`, database `yearly_greetings`.
    databaseUrl: `postgresql://postgres:postgres@127.0.0.1:${ports.EMBEDDED_POSTGRES_PORT}/yearly_greetings`,
    temporalAddress: `127.0.0.1:${ports.TEMPORAL_DEV_PORT}`,
    pid: child.pid,
    dataDir,
    startupMs: Date.now() - startedAt,
    stop,
  };
}
