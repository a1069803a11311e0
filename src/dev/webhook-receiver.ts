import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';

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
 * The receiver of the one-command run: shows every delivery to the operator, with no outside service needed. Like a
 * real receiver should, it verifies the signature (Standard Webhooks, with any of `secrets`: 401 and nothing shown
 * when none verifies), answers 200 and recognises a repeat by its Idempotency-Key.
 */
export async function startLocalReceiver(options: {
  host: string;
  port: number;
  /** WEBHOOK_SECRET: a delivery signed with any of these is taken. */
  secrets: readonly string[];
  onDelivery: (delivery: ReceivedDelivery) => void;
}): Promise<LocalReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const seenKeys = new Set<string>();
  const verifiers = options.secrets.map((secret) => new Webhook(secret));
  const app = new Hono();
  app.post('/deliveries', async (c) => {
    const raw = await c.req.text();
    if (!verifiers.some((verifier) => verifies(verifier, raw, c.req.header()))) {
      return c.json({ error: 'the webhook signature does not verify with WEBHOOK_SECRET' }, 401);
    }
    const idempotencyKey = c.req.header('idempotency-key') ?? null;
    const body = parseJson(raw);
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

/** Signature and timestamp (within five minutes) check out. */
function verifies(verifier: Webhook, raw: string, headers: Record<string, string>): boolean {
  try {
    verifier.verify(raw, headers);
    return true;
  } catch {
    return false;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
