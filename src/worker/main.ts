import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb } from '../db/client';
import { createGreetingWorker } from './create-worker';

/** Runs a worker against an existing Temporal and Postgres (`npm run worker`); `npm start` runs one in-process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(requireSetting(config, 'DATABASE_URL'));
  const connection = await NativeConnection.connect({ address: requireSetting(config, 'TEMPORAL_ADDRESS') });
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
    await connection.close();
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
