import { loadConfig } from '../config/config';
import { componentLog } from '../logging/log';
import { createRootLogger } from '../logging/root-logger';
import { openConnections } from '../process/connections';
import { reconcile, reconcilerDependencies } from './reconcile';

/** `npm run reconcile`: one full pass now, e.g. after an outage or a restore; prints what it fixed. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = componentLog(
    createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'json' }),
    'reconcile',
  );
  const connections = await openConnections(config, { warn: (message) => log.warn(message) });
  try {
    const report = await reconcile(reconcilerDependencies(config, connections, { log, graceMs: 0 }), {
      fullSweep: true,
    });
    log.info('reconciler pass done', { fullSweep: true, ...report });
    if (report.failed > 0) process.exitCode = 1;
  } finally {
    await connections.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
