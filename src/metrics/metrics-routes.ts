import { Hono } from 'hono';
import type { MetricsExposition } from './exposition';

/** `GET /metrics` in Prometheus text format. */
export function metricsRoutes(exposition: MetricsExposition): Hono {
  const routes = new Hono();
  routes.get('/metrics', async (c) => c.body(await exposition.text(), 200, { 'content-type': exposition.contentType }));
  return routes;
}
