import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningHttpServer {
  url: string;
  close: () => Promise<void>;
}

/** Serves a Hono app; resolves once the port is bound, rejects if it cannot be. */
export function startHttpServer(app: Hono, hostname: string, port: number): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: app.fetch, hostname, port }, (info) =>
      resolve({
        url: `http://${hostname}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
    server.once('error', reject);
  });
}
