import { getHeapStatistics } from 'node:v8';
import { timeZoneDataLine } from '../process/time-zone-data';
import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { componentLog } from '../logging/log';
import { metricsExposition } from '../metrics/exposition';
import { startMetricsServer } from '../metrics/metrics-server';
import { openConnections } from '../process/connections';
import { createGreetingWorker, workerTuningFrom } from './create-worker';
import { setUpWorkerObservability } from './observability';

const DEFAULT_SDK_METRICS_ADDRESS = '127.0.0.1:9465';

/**
 * Runs a worker against an existing Temporal and Postgres (`npm run worker`), the fleet's reconciler among its tasks;
 * `npm start` runs the same as a process of its own.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { root, metrics, sdkMetricsAddress } = setUpWorkerObservability(config, {
    defaultLogFormat: 'json',
    sdkMetricsAddress: config.TEMPORAL_SDK_METRICS_ADDRESS ?? DEFAULT_SDK_METRICS_ADDRESS,
  });
  const log = componentLog(root, 'worker');
  const metricsServer = await startMetricsServer(
    metricsExposition(metrics.registry, { sdkMetricsAddress }),
    config.HOST,
    config.METRICS_PORT,
  );
  log.info(`metrics on ${metricsServer.url}/metrics; ${timeZoneDataLine()}`);
  const connections = await openConnections(config, { warn: (message) => log.warn(message) });
  try {
    const worker = await createGreetingWorker({
      connection: await connections.connectWorker(),
      namespace: connections.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db: connections.db,
      webhookUrl: requireSetting(config, 'WEBHOOK_URL'),
      webhookSecrets: requireSetting(config, 'WEBHOOK_SECRET'),
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxLatenessMs: config.MAX_DELIVERY_LATENESS,
      handOverWindowMs: config.HAND_OVER_WINDOW,
      dueDispatch: {
        client: connections.temporal,
        passes: config.DISPATCH_PASSES,
        retryHorizonMs: config.HAND_OVER_WINDOW,
      },
      dispatchPageSize: config.DISPATCH_PAGE_SIZE,
      deliveryTime: config.DELIVERY_TIME,
      leapDayPolicy: config.LEAP_DAY_POLICY,
      log: componentLog(root, 'delivery'),
      metrics: metrics.delivery,
      tuning: workerTuningFrom(config),
      reconciler: {
        client: connections.temporal,
        intervalMs: config.RECONCILE_INTERVAL,
        fullSweepIntervalMs: config.RECONCILE_FULL_SWEEP_INTERVAL,
        log: componentLog(root, 'reconcile'),
        metrics: metrics.reconciler,
      },
    });
    // The memory it runs in: the heap limit comes from node's flags (src/worker/node-flags.ts), not from a setting.
    const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
    log.info(`heap limit ${heapLimitMb} MB, sticky cache of ${worker.options.maxCachedWorkflows} workflows`);
    // At SIGINT/SIGTERM (the SDK's handlers) polling stops; run() resolves once in-flight tasks are done, at most
    // WORKER_SHUTDOWN_GRACE_TIME later, and the finally below closes everything so the process exits 0.
    await worker.run();
  } finally {
    await connections.close();
    await metricsServer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
