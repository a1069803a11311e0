import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnService, untilPrinted, type ChildService } from '../bench/child-service';
import { REPO_ROOT, untilPolling } from '../bench/stack';
import { sleep } from '../bench/stats';
import { startEmbeddedPostgres, type RunningPostgres } from '../scripts/dev/embedded-postgres';
import { startTemporalDevServer, type RunningDevServer } from '../scripts/dev/temporal-dev-server';
import { ensureTemporalCli } from '../scripts/tools';
import { migrate } from '../src/db/migrate';
import { freePort } from '../src/dev/free-port';

const NAMESPACE = 'default';
const TASK_QUEUE = 'yearly-greetings';

/**
 * The service taken apart so each part can fail on its own, all on loopback: an embedded Postgres and a Temporal dev
 * server (each on a fixed port and data folder, so a restart finds its data), the API (`npm run api`) and worker
 * processes (`npm run worker`).
 */
export interface ChaosStack {
  apiUrl: string;
  apiKey: string;
  databaseUrl: string;
  temporalAddress: string;
  dataDir: string;
  /**
   * Starts the API and `count` workers with one DELIVERY_TIME, as a deployment shares its settings: the API plans a
   * create's first delivery with it, the workers every later plan.
   */
  startServices(count: number, deliveryTime: string): Promise<void>;
  /** kill -9 of worker `index` (0-based); `restart` starts a new process in its place after `downMs`. */
  killWorker(index: number, downMs: number): Promise<{ pid: number; newPid: number }>;
  /** kill -9 of the Temporal server, then a start on the same port and SQLite file. */
  restartTemporal(downMs: number): Promise<void>;
  /** Postgres stopped (fast shutdown: every connection cut), then started on the same data. */
  restartPostgres(downMs: number): Promise<void>;
  workerCount(): number;
  stop(options: { keepData: boolean }): Promise<void>;
}

export interface ChaosStackOptions {
  webhookUrl: string;
  webhookSecret: string;
  apiKey: string;
  /** WEBHOOK_TIMEOUT_MS of the workers: a receiver hanging longer is given up on and retried. */
  webhookTimeoutMs: number;
}

/** Stacks started and not yet stopped: a Ctrl-C on the chaos run stops them too. */
const running = new Set<() => Promise<void>>();

export async function stopChaosStacks(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-chaos-'));
  // Run as root, the embedded Postgres runs as the `postgres` user, which must be able to reach its data folder.
  await chmod(dataDir, 0o755);
  const postgresPort = await freePort();
  const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: postgresPort });
  let postgres: RunningPostgres | undefined;
  let temporal: RunningDevServer | undefined;
  let api: ChildService | undefined;
  const workers: ChildService[] = [];
  let workerEnv: NodeJS.ProcessEnv = {};
  const stopAll = async () => {
    running.delete(stopAll);
    for (const worker of workers) await worker.stop();
    await api?.stop();
    await temporal?.stop();
    await postgres?.stop();
  };
  running.add(stopAll);

  try {
    postgres = await startPostgres();
    const databaseUrl = postgres.url;
    await migrate(databaseUrl);

    const cliPath = await ensureTemporalCli();
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const startTemporal = () =>
      startTemporalDevServer({
        cliPath,
        dbFile: path.join(dataDir, 'temporal.sqlite'),
        logFile: path.join(dataDir, 'temporal-dev-server.log'),
        port: temporalPort,
        uiPort,
        namespace: NAMESPACE,
      });
    temporal = await startTemporal();
    const temporalAddress = temporal.address;

    const shared: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    };
    const apiPort = await freePort();
    const startApi = async (deliveryTime: string) => {
      api = spawnService('api', ['--import', 'tsx', 'src/api/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...shared,
          DELIVERY_TIME: deliveryTime,
          PORT: String(apiPort),
          API_KEYS: options.apiKey,
          // One client creating every user at once: neither the per-key rate nor the backlog of first tasks should
          // turn it away.
          API_RATE_LIMIT: '0',
          API_MAX_WORKFLOW_BACKLOG: '0',
          LOG_LEVEL: 'info',
        },
        logFile: path.join(dataDir, 'api.log'),
      });
      await untilPrinted(api, 'API listening', Date.now() + 120_000);
    };

    const spawnWorker = async (number: number) =>
      spawnService(`worker ${number}`, ['--import', 'tsx', 'src/worker/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...workerEnv,
          METRICS_PORT: String(await freePort()),
          TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        },
        // Appended to by every process that takes this worker's place.
        logFile: path.join(dataDir, `worker-${number}.log`),
        append: true,
      });
    const temporalTarget = { address: temporalAddress, namespace: NAMESPACE, taskQueue: TASK_QUEUE };

    return {
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiKey: options.apiKey,
      databaseUrl,
      temporalAddress,
      dataDir,
      async startServices(count, deliveryTime) {
        await startApi(deliveryTime);
        workerEnv = {
          ...shared,
          WEBHOOK_URL: options.webhookUrl,
          WEBHOOK_SECRET: options.webhookSecret,
          WEBHOOK_TIMEOUT_MS: String(options.webhookTimeoutMs),
          DELIVERY_TIME: deliveryTime,
        };
        for (let number = 1; number <= count; number++) workers.push(await spawnWorker(number));
        await untilPolling(workers, temporalTarget, Date.now() + 180_000);
      },
      async killWorker(index, downMs) {
        const victim = workers[index]!;
        await victim.crash();
        await sleep(downMs);
        workers[index] = await spawnWorker(index + 1);
        return { pid: victim.pid, newPid: workers[index].pid };
      },
      async restartTemporal(downMs) {
        await temporal!.crash();
        await sleep(downMs);
        temporal = await startTemporal();
      },
      async restartPostgres(downMs) {
        await postgres!.stop();
        await sleep(downMs);
        postgres = await startPostgres();
      },
      workerCount: () => workers.length,
      async stop({ keepData }) {
        await stopAll();
        if (keepData) console.log(`chaos data and logs kept in ${dataDir}`);
        else await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw new Error(
      `the chaos stack did not start (logs in ${dataDir}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
