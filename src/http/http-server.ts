import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** How long requests already being answered may take once the server is closing. */
const CLOSE_GRACE_MS = 5_000;

export interface RunningHttpServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * Serves a Hono app; resolves once the port is bound, rejects if it cannot be. The API and the worker's `/metrics`
 * server both run on it.
 */
export function startHttpServer(
  app: Hono,
  hostname: string,
  port: number,
  closeGraceMs = CLOSE_GRACE_MS,
): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    // serve() gives an HTTP/1 server unless asked for HTTP/2.
    const server = serve({ fetch: app.fetch, hostname, port }, (info) =>
      resolve({ url: `http://${hostname}:${info.port}`, close: () => closeServer(server, closeGraceMs) }),
    ) as Server;
    server.once('error', reject);
  });
}

/**
 * Stops accepting connections and ends the open ones. A client that keeps sending on a keep-alive connection would
 * otherwise hold `close()` open for as long as it sends: idle connections end at once, busy ones after the grace.
 */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((done) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
    // close() ends the idle connections itself (Node 19 on); busy ones are cut off after the grace.
    server.close(() => {
      clearTimeout(cutOff);
      done();
    });
  });
}
