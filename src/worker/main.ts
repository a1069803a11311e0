import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb } from '../db/client';
import { componentLog } from '../logging/log';
import { metricsExposition } from '../metrics/exposition';
import { startMetricsServer } from '../metrics/metrics-server';
import { startReconcilerForWorker } from '../reconciler/start-for-worker';
import { connectClient } from '../temporal/connect';
import { requireSearchAttributes } from '../temporal/search-attribute-registration';
import { createGreetingWorker } from './create-worker';
import { setUpWorkerObservability } from './observability';

const DEFAULT_SDK_METRICS_ADDRESS = '127.0.0.1:9465';

/**
 * Runs a worker against an existing Temporal and Postgres (`npm run worker`), with the reconciler beside it;
 * `npm start` runs the same in-process.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { root, metrics, sdkMetricsAddress } = setUpWorkerObservability(config, {
    defaultLogFormat: 'json',
    sdkMetricsAddress: config.TEMPORAL_SDK_METRICS_ADDRESS ?? DEFAULT_SDK_METRICS_ADDRESS,
  });
  const log = componentLog(root, 'worker');
  const metricsServer = await startMetricsServer(
    metricsExposition(metrics.registry, sdkMetricsAddress),
    config.HOST,
    config.METRICS_PORT,
  );
  log.info(`metrics on ${metricsServer.url}/metrics`);
  const db = createDb(requireSetting(config, 'DATABASE_URL'));
  const address = requireSetting(config, 'TEMPORAL_ADDRESS');
  const connection = await NativeConnection.connect({ address });
  const client = await connectClient({ address, namespace: config.TEMPORAL_NAMESPACE });
  await requireSearchAttributes(client.connection, config.TEMPORAL_NAMESPACE, (message) => log.warn(message));
  const reconciler = startReconcilerForWorker(config, db, client, componentLog(root, 'reconcile'));
  try {
    const worker = await createGreetingWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      webhookUrl: requireSetting(config, 'WEBHOOK_URL'),
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxLatenessMs: config.MAX_DELIVERY_LATENESS,
      log: componentLog(root, 'delivery'),
      metrics: metrics.delivery,
    });
    // run() resolves after SIGINT/SIGTERM once in-flight tasks are done (the SDK installs those handlers).
    await worker.run();
  } finally {
    await reconciler.stop();
    await client.connection.close();
    await connection.close();
    await db.$disconnect();
    await metricsServer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
