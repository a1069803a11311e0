import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { cachedTemporalServer, TEMPORAL_SERVER_BUILD_COMMAND } from '../scripts/tools';
import { loadConfig } from '../src/config/config';
import { freePort } from '../src/dev/free-port';
import { pollerIdentities } from '../src/temporal/task-queue-pollers';
import { spawnService, until, untilPrinted, type ChildService } from './child-service';
import type { UsageRoot } from './process-usage';

export type Engine = 'dev' | 'server';

/** The project folder: the stack runs from here as `npm start` does. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** A process the bench started: measured (CPU, memory) as `kind`, and where it sends greetings, named `sender`. */
export interface StackProcess extends UsageRoot {
  sender?: string;
}

/** What the bench talks to: the API, the stack's Postgres (for the ledger check) and its Temporal frontend. */
export interface BenchStack {
  apiUrl: string;
  /** A key the API accepts (Authorization: Bearer). */
  apiKey: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The processes the bench started (none when attached). */
  processes: StackProcess[];
  /** DATA_DIR of a stack the bench started (the dev server's sqlite files are there). */
  dataDir: string | undefined;
  /** From the first spawn until the stack printed that it is running and every worker polls. */
  startupMs: number | null;
  stop(): Promise<void>;
}

export interface StartStackOptions {
  engine: Engine;
  /** Worker processes: npm start's own, and `workers - 1` more `npm run worker`. */
  workers: number;
  /** Where the workers POST greetings: the bench's own receiver. */
  webhookUrl: string;
  /** The workers' DELIVERY_TIME (`HH:mm` or `HH:mm:ss`). */
  deliveryTime: string;
  keepData: boolean;
  /** How long to wait for the stack to say it is running. */
  startupTimeoutMs?: number;
}

const RUNNING = 'yearly-greetings is running';
const SERVER_READY = 'Temporal server ready';

/** Stacks the bench started and has not stopped yet: a Ctrl-C on the bench stops them too. */
const started = new Set<() => Promise<void>>();

export async function stopStartedStacks(): Promise<void> {
  await Promise.all([...started].map((stop) => stop()));
}

/**
 * Starts the service for a benchmark: `npm start` as a user runs it, with a fresh DATA_DIR and free ports. `dev` keeps
 * its Temporal dev server; `server` first starts the real Temporal server (`npm run temporal-server`, on an embedded
 * Postgres of its own) and gives npm start its address. With `workers` above 1, `npm run worker` processes join npm
 * start's worker process on the same Temporal, task queue, database, webhook and DELIVERY_TIME. A start that lost one
 * of its free ports (picked here, bound a moment later by npm start: another server on the machine can take it in
 * between) is tried once more, on new ports.
 */
export async function startStack(options: StartStackOptions): Promise<BenchStack> {
  try {
    return await startStackOnce(options);
  } catch (error) {
    if (!/already in use/i.test(String(error))) throw error;
    console.log('a port of the stack was taken before npm start could bind it: starting again on new ports');
    return startStackOnce(options);
  }
}

async function startStackOnce(options: StartStackOptions): Promise<BenchStack> {
  if (options.engine === 'server' && !cachedTemporalServer()) {
    throw new Error(
      `--engine server needs the Temporal server built: run \`${TEMPORAL_SERVER_BUILD_COMMAND}\` once (about 10 minutes)`,
    );
  }
  const config = loadConfig();
  const namespace = config.TEMPORAL_NAMESPACE ?? 'default';
  const dataDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-bench-'));
  // Run as root, the embedded Postgres runs as the `postgres` user, which must be able to reach its data folder.
  await chmod(dataDir, 0o755);
  const services: ChildService[] = [];
  const spawnHere = (name: string, args: string[], env: NodeJS.ProcessEnv, logName: string, interrupt?: 'leader') => {
    const service = spawnService(name, args, { cwd: REPO_ROOT, env, logFile: path.join(dataDir, logName), interrupt });
    services.push(service);
    return service;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    started.delete(stop);
    // Extra workers first, then npm start (its Postgres with it), Temporal last: each stops while what it uses runs.
    for (const service of [...services].reverse()) await service.stop();
    if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    else
      console.log(`stack data kept in ${dataDir} (logs: ${services.map((s) => path.basename(s.logFile)).join(', ')})`);
  };
  started.add(stop);

  const startedAt = Date.now();
  const deadline = startedAt + (options.startupTimeoutMs ?? 240_000);
  const processes: StackProcess[] = [];
  try {
    let temporalAddress: string | undefined;
    if (options.engine === 'server') {
      const port = await freePort();
      const server = spawnHere(
        'npm run temporal-server',
        [
          '--import',
          'tsx',
          'scripts/dev/temporal-server-main.ts',
          '--data-dir',
          path.join(dataDir, 'temporal-server'),
        ].concat(['--port', String(port), '--namespace', namespace]),
        process.env,
        'temporal-server-main.log',
        // It stops the server before its Postgres; a Ctrl-C to both at once makes the server log errors as it goes.
        'leader',
      );
      await untilPrinted(server, SERVER_READY, deadline);
      temporalAddress = `127.0.0.1:${port}`;
      processes.push({ pid: server.pid, kind: 'node (temporal-server launcher)', postgresKind: 'temporal postgres' });
    }

    // What every worker shares with npm start's own.
    const apiKey = `bench_${randomBytes(18).toString('base64url')}`;
    const shared: NodeJS.ProcessEnv = {
      ...process.env,
      API_KEYS: apiKey,
      // The bench is one client with one key measuring the service's capacity: no per-key limit in its way.
      API_RATE_LIMIT: '0',
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      WEBHOOK_URL: options.webhookUrl,
      DELIVERY_TIME: options.deliveryTime,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    };
    const ports = {
      PORT: await freePort(),
      EMBEDDED_POSTGRES_PORT: await freePort(),
      TEMPORAL_DEV_PORT: await freePort(),
      TEMPORAL_UI_PORT: await freePort(),
      METRICS_PORT: await freePort(),
    };
    const app = spawnHere(
      'npm start',
      ['--import', 'tsx', 'scripts/dev/start-all.ts'],
      {
        ...shared,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        DATA_DIR: dataDir,
        ...(temporalAddress ? { TEMPORAL_ADDRESS: temporalAddress } : {}),
      },
      'stack.log',
    );
    await untilPrinted(app, RUNNING, deadline);
    // npm start runs the API; its worker process is measured apart (not as part of npm start's tree).
    processes.push({ pid: app.pid, kind: 'api' });
    processes.push({ pid: npmStartWorkerPid(app.output()), kind: 'worker 1', sender: 'worker 1' });
    temporalAddress ??= `127.0.0.1:${ports.TEMPORAL_DEV_PORT}`;
    // scripts/dev/embedded-postgres.ts: user and password `postgres`, database `yearly_greetings`.
    const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${ports.EMBEDDED_POSTGRES_PORT}/yearly_greetings`;

    const workers: ChildService[] = [];
    for (let number = 2; number <= options.workers; number++) {
      const worker = spawnHere(
        `worker ${number}`,
        ['--import', 'tsx', 'src/worker/main.ts'],
        {
          ...shared,
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: temporalAddress,
          METRICS_PORT: String(await freePort()),
          TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        },
        `worker-${number}.log`,
      );
      workers.push(worker);
      processes.push({ pid: worker.pid, kind: `worker ${number}`, sender: `worker ${number}` });
    }
    await untilPolling(
      workers,
      { address: temporalAddress, namespace, taskQueue: config.TEMPORAL_TASK_QUEUE },
      deadline,
    );

    return {
      apiUrl: `http://127.0.0.1:${ports.PORT}`,
      apiKey,
      databaseUrl,
      temporalAddress,
      processes,
      dataDir,
      startupMs: Date.now() - startedAt,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`the stack did not start: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** The pid of npm start's worker process, from the line of its banner that names it ("  Worker   pid 1234, ..."). */
export function npmStartWorkerPid(output: string): number {
  const pid = / {2}Worker +pid (\d+),/.exec(output)?.[1];
  if (!pid) throw new Error(`npm start did not name its worker process:\n${output.slice(-4_000)}`);
  return Number(pid);
}

/** Waits until Temporal lists each worker process (identity `pid@host`) among the pollers of both task kinds. */
export async function untilPolling(
  workers: ChildService[],
  temporal: { address: string; namespace: string; taskQueue: string },
  deadlineMs: number,
): Promise<void> {
  if (workers.length === 0) return;
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    for (const worker of workers) {
      const identity = `${worker.pid}@${hostname()}`;
      const polls = async () => {
        for (const kind of ['workflow', 'activity'] as const) {
          if (!(await pollerIdentities(client, temporal.taskQueue, kind)).includes(identity)) return false;
        }
        return true;
      };
      await until(worker, polls, deadlineMs, `poll task queue ${temporal.taskQueue}`);
    }
  } finally {
    await connection.close();
  }
}

/** A stack someone else runs: the bench only creates users and reads from it. */
export function attachStack(options: {
  apiUrl: string;
  apiKey: string;
  databaseUrl: string;
  temporalAddress: string;
}): BenchStack {
  return { ...options, processes: [], dataDir: undefined, startupMs: null, stop: () => Promise.resolve() };
}
