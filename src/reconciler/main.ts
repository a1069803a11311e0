import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { createDb } from '../db/client';
import { componentLog } from '../logging/log';
import { createRootLogger } from '../logging/root-logger';
import { connectClient } from '../temporal/connect';
import { temporalConnection } from '../temporal/connection-options';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import { reconcile } from './reconcile';

/** `npm run reconcile`: one full pass now, e.g. after an outage or a restore; prints what it fixed. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = componentLog(createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'json' }), 'reconcile');
  const db = createDb(requireSetting(config, 'DATABASE_URL'));
  const client = await connectClient(temporalConnection(config));
  try {
    const workflows = new GreetingWorkflows(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      deliveryTime: config.DELIVERY_TIME,
      leapDayPolicy: config.LEAP_DAY_POLICY,
      callTimeoutMs: 10_000,
    });
    const report = await reconcile(
      { db, client, workflows, taskQueue: config.TEMPORAL_TASK_QUEUE, log, graceMs: 0 },
      { fullSweep: true },
    );
    log.info('reconciler pass done', { fullSweep: true, ...report });
    if (report.failed > 0) process.exitCode = 1;
  } finally {
    await client.connection.close();
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
