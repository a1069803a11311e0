import { loadConfig } from '../config/config';
import { requireSetting } from '../config/require-setting';
import { printDelivery } from './print-delivery';
import { startLocalReceiver } from './webhook-receiver';

/**
 * `npm run receiver`: the local webhook receiver on its own, for a stack that runs each process apart (Docker
 * Compose). It prints every delivery; the worker's WEBHOOK_URL is `http://<this host>:<WEBHOOK_RECEIVER_PORT>/deliveries`.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const receiver = await startLocalReceiver({
    host: config.HOST,
    port: config.WEBHOOK_RECEIVER_PORT,
    secrets: requireSetting(config, 'WEBHOOK_SECRET'),
    onDelivery: printDelivery,
  });
  console.log(`webhook receiver listening on ${config.HOST}:${config.WEBHOOK_RECEIVER_PORT} (POST /deliveries)`);
  const stop = () => void receiver.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
