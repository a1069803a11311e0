import path from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { loadConfig, type Config } from '../../src/config/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { migrate } from '../../src/db/migrate';
import { startHttpServer } from '../../src/http/http-server';
import { apiLimitsFrom, createService, firstPlanningFrom, TEMPORAL_CALL_TIMEOUT_MS } from '../../src/api/service-app';
import { componentLog } from '../../src/logging/log';
import { createRootLogger } from '../../src/logging/root-logger';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { openConnections } from '../../src/process/connections';
import { configuredTemporal } from '../../src/temporal/connection-options';
import { ensureTemporalCli } from '../tools/temporal-cli';
import { freePort } from '../../src/dev/free-port';
import { localApiKey, localWebhookSecret } from './local-secrets';
import { stopInOrderOnSignal, type Stop } from './stop-in-order';
import { startTemporalDevServer } from './temporal-dev-server';
import { startWorkerProcess } from './worker-process';
import { timeZoneDataLine } from '../../src/process/time-zone-data';
import { printDelivery } from '../../src/dev/print-delivery';
import { startLocalReceiver } from '../../src/dev/webhook-receiver';

/**
 * `npm start`: the whole service on one machine. Postgres (embedded unless DATABASE_URL), the Temporal dev server
 * with its Web UI (unless an address is configured), a local webhook receiver (unless WEBHOOK_URL), the worker (a
 * process of its own, as `npm run worker` runs it) and the API. Ctrl-C stops everything in reverse order; data stays
 * in DATA_DIR. A worker that exits on its own stops everything, with exit code 1.
 */
async function startAll(
  config: Config,
  root: PinoLogger,
  stops: Stop[],
  shutdown: (exitCode: number) => Promise<void>,
): Promise<void> {
  const log = componentLog(root, 'start');
  // Every instant is computed with Node's own IANA data: say which release (the worker process says it too).
  log.info(timeZoneDataLine());
  const dataDir = path.resolve(config.DATA_DIR);

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    log.info(`starting embedded Postgres on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (data in ${dataDir}/postgres)`);
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
    });
    stops.push(postgres.stop);
    databaseUrl = postgres.url;
  }
  const { applied } = await migrate(databaseUrl, { log: (line) => log.info(line) });
  log.info(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  const configured = configuredTemporal(config);
  let devServerAddress: string | undefined;
  let webUi = "your Temporal cluster's Web UI";
  if (!configured.address) {
    const cliPath = await ensureTemporalCli({ explicitPath: config.TEMPORAL_CLI_PATH, log: (line) => log.info(line) });
    log.info(`starting the Temporal dev server on 127.0.0.1:${config.TEMPORAL_DEV_PORT}`);
    const devServer = await startTemporalDevServer({
      cliPath,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      logFile: path.join(dataDir, 'temporal-dev-server.log'),
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: configured.namespace,
    });
    stops.push(devServer.stop);
    devServerAddress = devServer.address;
    webUi = devServer.uiUrl;
  }

  const webhookSecret = config.WEBHOOK_SECRET ? null : await localWebhookSecret(dataDir);
  const webhookSecrets = config.WEBHOOK_SECRET ?? [webhookSecret!.value];
  let webhookUrl = config.WEBHOOK_URL;
  if (!webhookUrl) {
    const receiver = await startLocalReceiver({
      host: config.HOST,
      port: config.WEBHOOK_RECEIVER_PORT,
      secrets: webhookSecrets,
      onDelivery: printDelivery,
    });
    stops.push(receiver.close);
    webhookUrl = receiver.url;
  }

  const workerMetricsPort = await freePort();
  const worker = startWorkerProcess({
    settings: {
      DATABASE_URL: databaseUrl,
      ...(devServerAddress && { TEMPORAL_ADDRESS: devServerAddress }),
      TEMPORAL_NAMESPACE: configured.namespace,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      WEBHOOK_URL: webhookUrl,
      WEBHOOK_SECRET: webhookSecrets.join(','),
      // Free ports (the SDK's unless set), so a worker started beside `npm start` on the default ones does not collide.
      METRICS_PORT: String(workerMetricsPort),
      TEMPORAL_SDK_METRICS_ADDRESS: config.TEMPORAL_SDK_METRICS_ADDRESS ?? `127.0.0.1:${await freePort()}`,
      LOG_FORMAT: config.LOG_FORMAT ?? 'pretty',
    },
    metricsUrl: `http://${config.HOST}:${workerMetricsPort}/metrics`,
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_TIME,
    onUnexpectedExit: (how) => {
      log.error(`the worker process (pid ${worker.pid}) exited on its own (${how}): stopping everything`);
      void shutdown(1);
    },
  });
  stops.push(worker.stop);

  const connections = await openConnections(config, {
    databaseUrl,
    devServerAddress,
    warn: (message) => log.warn(message),
  });
  stops.push(connections.close);
  const workflows = connections.greetingWorkflows(TEMPORAL_CALL_TIMEOUT_MS);
  const apiKey = config.API_KEYS ? null : await localApiKey(dataDir);
  const service = createService({
    apiKeys: config.API_KEYS ?? [apiKey!.value],
    db: connections.db,
    workflows,
    log: componentLog(root, 'api'),
    ...apiLimitsFrom(config, workflows),
    planning: firstPlanningFrom(config, connections.temporal),
    metrics: createServiceMetrics({ processMetrics: true }),
    // One place to scrape: the API's /metrics serves the worker process's page (its own and the SDK's) as well.
    workerMetricsUrl: worker.metricsUrl,
  });
  const api = await startHttpServer(service.app, config.HOST, config.PORT);
  // Stopped in reverse: the API stops taking requests, then the runs being started are finished (the rest is flagged).
  stops.push(service.stopStarts);
  stops.push(api.close);
  // "Running" means ready, as GET /ready says it: the worker has bundled the workflows and polls its task queue.
  await worker.untilPolling(connections.temporal, config.TEMPORAL_TASK_QUEUE);

  console.log(
    [
      '',
      'yearly-greetings is running',
      `  API            ${api.url}   (GET /health, /ready, /metrics, /users)`,
      `  Temporal UI    ${webUi}`,
      `  Temporal       ${configured.address ?? devServerAddress}  namespace ${connections.namespace}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
      `  Worker         pid ${worker.pid}, metrics ${worker.metricsUrl}`,
      `  Webhook        ${webhookUrl}`,
      webhookSecret
        ? `  Signed with    the secret in ${webhookSecret.file} (Standard Webhooks; set WEBHOOK_SECRET to choose it)`
        : '  Signed with    WEBHOOK_SECRET (Standard Webhooks)',
      `  Delivery time  ${config.DELIVERY_TIME} in each user's time zone`,
      apiKey
        ? `  API key        ${apiKey.value}   (kept in ${apiKey.file}; set API_KEYS to choose your own)`
        : '  API keys       from API_KEYS',
      '',
      'Create a user:',
      apiKey ? `  KEY=$(cat ${shortPath(apiKey.file)})` : '  KEY=<one of API_KEYS>',
      `  curl -s -X POST ${api.url}/users -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \\`,
      `    -d '{"firstName":"Ada","lastName":"Lovelace","birthday":"1990-12-10","timezone":"Europe/London"}'`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const config = loadConfig();
  const root = createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'pretty' });
  const { stops, shutdown } = stopInOrderOnSignal();
  try {
    await startAll(config, root, stops, shutdown);
  } catch (error) {
    console.error(`\nstart-up failed: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

void main();

/** `file` relative to the working directory when it is inside it (`.data/api-key`), else as it is. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
