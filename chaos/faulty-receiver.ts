import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver treats one POST: takes it, or one of the failures a real receiver shows. */
export type ReceiverAnswer = 'ok' | 'server-error' | 'too-many-requests' | 'hang' | 'drop';

/** The share of POSTs (0..1) answered each failing way; the rest are taken with 200. */
export interface ReceiverFaultMix {
  serverError: number;
  tooManyRequests: number;
  hang: number;
  drop: number;
}

/** One POST as the receiver saw it. */
export interface ReceivedPost {
  idempotencyKey: string | null;
  /** The payload's `userId`, `occurrenceYear` and `scheduledAt` (epoch ms). */
  userId: string | null;
  occurrenceYear: number | null;
  scheduledAtMs: number | null;
  receivedAtMs: number;
  answer: ReceiverAnswer;
  /** Standard Webhooks signature checked out with a WEBHOOK_SECRET (a POST that does not is refused with 401). */
  signed: boolean;
}

export interface FaultyReceiver {
  url: string;
  posts: ReceivedPost[];
  close(): Promise<void>;
}

export interface FaultyReceiverOptions {
  secrets: readonly string[];
  mix: ReceiverFaultMix;
  /** How long a hanging answer is held before the connection is cut: past the senders' WEBHOOK_TIMEOUT_MS. */
  hangMs: number;
  /** Retry-After (seconds) of a 429. */
  retryAfterSeconds: number;
  /** Uniform in [0, 1): the chaos run's seeded generator, so a run's answers can be drawn again. */
  random: () => number;
  /** After this many failed answers for one Idempotency-Key it is always taken (unbounded when absent). */
  maxFailuresPerKey?: number;
}

const SERVER_ERRORS = [500, 502, 503] as const;

/**
 * A webhook receiver on loopback that fails like real ones do, at the given rates: 5xx, 429 with Retry-After, an
 * answer that never comes (the connection is cut after `hangMs`), and a connection dropped after the body was read
 * (the sender cannot tell whether it arrived). Every POST is recorded with the answer it got.
 */
export async function startFaultyReceiver(options: FaultyReceiverOptions): Promise<FaultyReceiver> {
  const verifiers = options.secrets.map((secret) => new Webhook(secret));
  const posts: ReceivedPost[] = [];
  const failuresByKey = new Map<string, number>();
  const hanging = new Set<NodeJS.Timeout>();

  const chooseAnswer = (key: string | null): ReceiverAnswer => {
    const failures = key ? (failuresByKey.get(key) ?? 0) : 0;
    if (options.maxFailuresPerKey !== undefined && failures >= options.maxFailuresPerKey) return 'ok';
    const { serverError, tooManyRequests, hang, drop } = options.mix;
    let draw = options.random();
    const answers: Array<[ReceiverAnswer, number]> = [
      ['server-error', serverError],
      ['too-many-requests', tooManyRequests],
      ['hang', hang],
      ['drop', drop],
    ];
    for (const [answer, share] of answers) {
      if (draw < share) {
        if (key) failuresByKey.set(key, failures + 1);
        return answer;
      }
      draw -= share;
    }
    return 'ok';
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const receivedAtMs = Date.now();
    const header = req.headers['idempotency-key'];
    const idempotencyKey = typeof header === 'string' ? header : null;
    const signed = verifiers.some((verifier) => verifies(verifier, raw, req.headers));
    const payload = parsePayload(raw);
    const answer: ReceiverAnswer = signed ? chooseAnswer(idempotencyKey) : 'ok';
    posts.push({ idempotencyKey, ...payload, receivedAtMs, answer, signed });
    if (!signed) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
      return;
    }
    switch (answer) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
        return;
      case 'server-error':
        res.writeHead(SERVER_ERRORS[posts.length % SERVER_ERRORS.length]!).end();
        return;
      case 'too-many-requests':
        res.writeHead(429, { 'retry-after': String(options.retryAfterSeconds) }).end();
        return;
      case 'hang': {
        const timer = setTimeout(() => {
          hanging.delete(timer);
          req.socket.destroy();
        }, options.hangMs);
        hanging.add(timer);
        return;
      }
      case 'drop':
        req.socket.destroy();
        return;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/greetings`,
    posts,
    close: async () => {
      for (const timer of hanging) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function verifies(verifier: Webhook, raw: string, headers: IncomingMessage['headers']): boolean {
  try {
    verifier.verify(raw, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

function parsePayload(raw: string): Pick<ReceivedPost, 'userId' | 'occurrenceYear' | 'scheduledAtMs'> {
  try {
    const body = JSON.parse(raw) as { userId?: unknown; occurrenceYear?: unknown; scheduledAt?: unknown };
    return {
      userId: typeof body.userId === 'string' ? body.userId : null,
      occurrenceYear: typeof body.occurrenceYear === 'number' ? body.occurrenceYear : null,
      scheduledAtMs: typeof body.scheduledAt === 'string' ? Date.parse(body.scheduledAt) : null,
    };
  } catch {
    return { userId: null, occurrenceYear: null, scheduledAtMs: null };
  }
}
