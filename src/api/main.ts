import { loadConfig } from '../config/config';
import { timeZoneDataLine } from '../process/time-zone-data';
import { startHttpServer } from '../http/http-server';
import { componentLog } from '../logging/log';
import { createRootLogger } from '../logging/root-logger';
import { createServiceMetrics } from '../metrics/service-metrics';
import { openConnections } from '../process/connections';
import { apiLimitsFrom, createService, firstPlanningFrom, TEMPORAL_CALL_TIMEOUT_MS } from './service-app';

/** Runs the API alone against an existing Temporal and Postgres (`npm run api`); `npm start` runs the same API. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.API_KEYS) {
    throw new Error('API_KEYS is not set: the API does not start without keys (comma-separated, 16+ characters each)');
  }
  const root = createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'json' });
  const log = componentLog(root, 'api');
  const connections = await openConnections(config, { warn: (message) => log.warn(message) });
  const workflows = connections.greetingWorkflows(TEMPORAL_CALL_TIMEOUT_MS);
  const service = createService({
    apiKeys: config.API_KEYS,
    db: connections.db,
    workflows,
    log,
    metrics: createServiceMetrics({ processMetrics: true }),
    ...apiLimitsFrom(config, workflows),
    planning: firstPlanningFrom(config, connections.temporal),
  });
  const server = await startHttpServer(service.app, config.HOST, config.PORT);
  log.info(`API listening on ${server.url} (metrics on ${server.url}/metrics); ${timeZoneDataLine()}`);
  const stop = async () => {
    await server.close();
    await service.stopStarts();
    await connections.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
