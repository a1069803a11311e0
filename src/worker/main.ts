import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb } from '../db/client';
import { consoleLog } from '../logging/console-logger';
import { startReconcilerForWorker } from '../reconciler/start-for-worker';
import { connectClient } from '../temporal/connect';
import { requireSearchAttributes } from '../temporal/search-attribute-registration';
import { createGreetingWorker } from './create-worker';

/**
 * Runs a worker against an existing Temporal and Postgres (`npm run worker`), with the reconciler beside it;
 * `npm start` runs the same in-process.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(requireSetting(config, 'DATABASE_URL'));
  const address = requireSetting(config, 'TEMPORAL_ADDRESS');
  const connection = await NativeConnection.connect({ address });
  const client = await connectClient({ address, namespace: config.TEMPORAL_NAMESPACE });
  await requireSearchAttributes(client.connection, config.TEMPORAL_NAMESPACE, (message) => consoleLog('worker').warn(message));
  const reconciler = startReconcilerForWorker(config, db, client, consoleLog('reconcile'));
  try {
    const worker = await createGreetingWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      webhookUrl: requireSetting(config, 'WEBHOOK_URL'),
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxLatenessMs: config.MAX_DELIVERY_LATENESS,
    });
    // run() resolves after SIGINT/SIGTERM once in-flight tasks are done (the SDK installs those handlers).
    await worker.run();
  } finally {
    await reconciler.stop();
    await client.connection.close();
    await connection.close();
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
