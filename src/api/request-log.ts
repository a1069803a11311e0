import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Log } from '../logging/log';
import type { HttpMetrics } from '../metrics/http-metrics';

/** Probes and scrapes come every few seconds: timed like any request, logged only at debug. */
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);

/**
 * Times every request and logs one line for it: method, route pattern, status, duration. Never the body, the query
 * or the raw path, which carry personal data (and ids that would explode the metric's cardinality).
 */
export function requestObserver(deps: { log: Log; httpMetrics: HttpMetrics }): MiddlewareHandler {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    const durationSeconds = (performance.now() - startedAt) / 1000;
    const route = routePattern(c);
    const status = c.res.status;
    deps.httpMetrics.observe({ method: c.req.method, route, status: String(status) }, durationSeconds);
    const fields = { method: c.req.method, route, status, durationMs: Math.round(durationSeconds * 1000) };
    if (QUIET_ROUTES.has(route)) deps.log.debug('request', fields);
    else deps.log.info('request', fields);
  };
}

/** The pattern of the handler the request matched (`/users/:id`); middleware (`*`) alone means no route matched. */
function routePattern(c: Context): string {
  const handler = matchedRoutes(c)
    .filter((route) => route.method !== 'ALL')
    .at(-1);
  return handler?.path ?? 'unmatched';
}
