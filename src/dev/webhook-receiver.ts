import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface ReceivedDelivery {
  idempotencyKey: string | null;
  body: unknown;
  receivedAt: string;
  /** True when a delivery with the same Idempotency-Key came before: a receiver should not act on it again. */
  repeat: boolean;
}

export interface LocalReceiver {
  url: string;
  deliveries: ReceivedDelivery[];
  close: () => Promise<void>;
}

/**
 * The receiver of the one-command run: shows every delivery to the operator, with no outside service needed.
 * It answers 200 and, like a real receiver should, recognises a repeat by its Idempotency-Key.
 */
export async function startLocalReceiver(options: {
  host: string;
  port: number;
  onDelivery: (delivery: ReceivedDelivery) => void;
}): Promise<LocalReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const seenKeys = new Set<string>();
  const app = new Hono();
  app.post('/deliveries', async (c) => {
    const idempotencyKey = c.req.header('idempotency-key') ?? null;
    const body: unknown = await c.req.json().catch(() => null);
    const repeat = idempotencyKey !== null && seenKeys.has(idempotencyKey);
    if (idempotencyKey) seenKeys.add(idempotencyKey);
    const delivery = { idempotencyKey, body, receivedAt: new Date().toISOString(), repeat };
    deliveries.push(delivery);
    options.onDelivery(delivery);
    return c.json({ received: true, repeat });
  });
  app.get('/deliveries', (c) => c.json(deliveries));

  const server = await listen(app, options.host, options.port);
  return {
    url: `http://${options.host}:${options.port}/deliveries`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
