import { Histogram, type Registry } from 'prom-client';

/** The API's request durations, by method, route pattern (never the raw path) and status. */
export type HttpMetrics = Histogram<'method' | 'route' | 'status'>;

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of API requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
