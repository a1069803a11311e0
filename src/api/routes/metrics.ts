import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { MetricsExposition } from '../../metrics/exposition';
import { errorResponses } from '../error-responses';

// The API's own GET /metrics, declared like every other route so that the document shows it (the worker serves the
// same exposition through src/metrics/metrics-routes.ts).

const getMetrics = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics of this process',
  description:
    'Request durations by route pattern and status; under `npm start` also the deliveries and the Temporal SDK metrics.',
  tags: ['Operations'],
  responses: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses({}),
  },
});

export function metricsRoutes(exposition: MetricsExposition): OpenAPIHono {
  const routes = new OpenAPIHono();
  // Prometheus' own content type (text/plain with the format's version) in place of c.text's default.
  routes.openapi(getMetrics, async (c) =>
    c.text(await exposition.text(), 200, { 'Content-Type': exposition.contentType }),
  );
  return routes;
}
