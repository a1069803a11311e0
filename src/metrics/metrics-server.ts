import { Hono } from 'hono';
import { startHttpServer, type RunningHttpServer } from '../http/http-server';
import type { MetricsExposition } from './exposition';
import { metricsRoutes } from './metrics-routes';

/** The worker process's small HTTP server: only `/metrics`. */
export function startMetricsServer(
  exposition: MetricsExposition,
  host: string,
  port: number,
): Promise<RunningHttpServer> {
  return startHttpServer(new Hono().route('/', metricsRoutes(exposition)), host, port);
}
