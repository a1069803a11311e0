import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  /** The path POSTed to (tests give each sender a URL of its own). */
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** What `clock` said when the request arrived (the test server's skipped time, where a test passes one). */
  receivedAtMs: number;
}

export interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs` of real time. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** The status to answer the n-th request (1-based, its body given) with; 200 by default. */
  statusFor?: (requestNumber: number, body: Record<string, unknown>) => number;
  /** Extra headers for the n-th answer (e.g. Retry-After). */
  headersFor?: (requestNumber: number) => Record<string, string>;
  /** Holds the answer to the n-th request until the returned promise settles. */
  holdFor?: (requestNumber: number) => Promise<void> | undefined;
  clock?: () => Promise<number>;
}

/** A webhook receiver on loopback that records every POST and answers as the test says. */
export async function startTestReceiver(options: ReceiverOptions = {}): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const clock = options.clock ?? (() => Promise.resolve(Date.now()));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const answer = async () => {
      const requestNumber = requests.length + 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ path: req.url ?? '', headers: req.headers, body, receivedAtMs: await clock() });
      await options.holdFor?.(requestNumber);
      res.writeHead(options.statusFor?.(requestNumber, body) ?? 200, {
        'content-type': 'application/json',
        ...options.headersFor?.(requestNumber),
      });
      res.end(JSON.stringify({ ok: true }));
    };
    req.on('end', () => void answer());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/webhook`,
    requests,
    async waitForRequests(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} webhook requests within ${timeoutMs} ms, got ${requests.length}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves when `release()` is called: lets a test hold the receiver's answer while it acts. */
export function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}
