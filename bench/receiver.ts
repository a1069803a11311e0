import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ownerOfClientSocket } from './socket-owner';

/** What one sender (a lane: the service, pg-boss, the poller) delivered to the bench's receiver. */
export interface Lane {
  /** Receive time of every POST, epoch ms, in arrival order. */
  receivedAtMs: number[];
  /** Receive time minus the payload's `scheduledAt`, per POST that carried one. */
  latenessMs: number[];
  /** POSTs whose Idempotency-Key was already seen on this lane. */
  repeats: number;
  /** POSTs without an Idempotency-Key header. */
  withoutKey: number;
  keys: Set<string>;
  /** Users (payload `userId`) that got at least one POST. */
  users: Set<string>;
  /** POSTs by the process that sent them (see `identifySenders`); empty when no senders were named. */
  bySender: Record<string, number>;
}

export interface BenchReceiver {
  /** The URL a sender POSTs to: its lane's name is the path. */
  urlFor(lane: string): string;
  lane(name: string): Lane;
  /**
   * Names the processes that may POST (pid to label, e.g. "worker 2"): from then on each POST is counted against the
   * one whose socket it came on ("other" when none of them).
   */
  identifySenders(senders: Map<number, string>): void;
  close(): Promise<void>;
}

function emptyLane(): Lane {
  return {
    receivedAtMs: [],
    latenessMs: [],
    repeats: 0,
    withoutKey: 0,
    keys: new Set(),
    users: new Set(),
    bySender: {},
  };
}

/**
 * The bench's own webhook receiver on loopback: counts and times every POST, notes repeated idempotency keys, and
 * answers 200 at once, so that what is measured is the sender, not the receiver.
 */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const lanes = new Map<string, Lane>();
  const lane = (name: string) => {
    let found = lanes.get(name);
    if (!found) lanes.set(name, (found = emptyLane()));
    return found;
  };
  let senders = new Map<number, string>();
  // A sender keeps its connections open (keep-alive), so each socket's owner is looked up once, as it connects.
  const senderOf = new WeakMap<Socket, string>();
  const server: Server = createServer((req, res) => {
    const receivedAtMs = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const into = lane((req.url ?? '/').replace(/^\//, ''));
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string') into.withoutKey += 1;
      else if (into.keys.has(key)) into.repeats += 1;
      else into.keys.add(key);
      into.receivedAtMs.push(receivedAtMs);
      const sender = senderOf.get(req.socket);
      if (sender) into.bySender[sender] = (into.bySender[sender] ?? 0) + 1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { scheduledAt?: string; userId?: string };
        if (body.scheduledAt) into.latenessMs.push(receivedAtMs - Date.parse(body.scheduledAt));
        if (body.userId) into.users.add(body.userId);
      } catch {
        // A body that is not JSON still counts as a POST; it has no lateness to record.
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.on('connection', (socket: Socket) => {
    if (senders.size === 0 || socket.remotePort === undefined) return;
    const pid = ownerOfClientSocket(socket.remotePort, port, [...senders.keys()]);
    senderOf.set(socket, (pid !== undefined && senders.get(pid)) || 'other');
  });
  return {
    urlFor: (name) => `http://127.0.0.1:${port}/${name}`,
    lane,
    identifySenders: (named) => {
      senders = named;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
