import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb } from '../db/client';
import { componentLog } from '../logging/log';
import { createRootLogger } from '../logging/root-logger';
import { createServiceMetrics } from '../metrics/service-metrics';
import { connectClient } from '../temporal/connect';
import { requireSearchAttributes } from '../temporal/search-attribute-registration';
import { temporalConnection } from '../temporal/connection-options';
import { startHttpServer } from './http-server';
import { createServiceApp } from './service-app';

/** Runs the API alone against an existing Temporal and Postgres (`npm run api`); `npm start` runs it in-process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const root = createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'json' });
  const log = componentLog(root, 'api');
  const db = createDb(requireSetting(config, 'DATABASE_URL'));
  const temporal = await connectClient(temporalConnection(config));
  await requireSearchAttributes(temporal.connection, temporal.options.namespace, (message) => log.warn(message));
  const app = createServiceApp({
    db,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deliveryTime: config.DELIVERY_TIME,
    leapDayPolicy: config.LEAP_DAY_POLICY,
    log,
    metrics: createServiceMetrics({ processMetrics: true }),
  });
  const server = await startHttpServer(app, config.HOST, config.PORT);
  log.info(`API listening on ${server.url} (metrics on ${server.url}/metrics)`);
  const stop = async () => {
    await server.close();
    await temporal.connection.close();
    await db.$disconnect();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
