import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { timeZoneDataVersion } from '../../process/time-zone-data';
import { errorResponses, json } from '../error-responses';
import { healthSchema, readinessSchema } from '../response-schemas';

/** A dependency the service needs to do its work, checked by GET /ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 3_000;

const getHealth = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  summary: 'The process is up',
  tags: ['Operations'],
  responses: { 200: { description: 'Serving HTTP', ...json(healthSchema) }, ...errorResponses({}) },
});

const getReadiness = createRoute({
  method: 'get',
  path: '/ready',
  operationId: 'getReadiness',
  summary: 'Postgres and Temporal answer, and a worker polls the task queue',
  tags: ['Operations'],
  responses: {
    200: { description: 'Every dependency answered', ...json(readinessSchema) },
    503: { description: 'A dependency did not answer; `checks` says which', ...json(readinessSchema) },
    ...errorResponses({}),
  },
});

export function healthRoutes(checks: ReadinessCheck[]): OpenAPIHono {
  const routes = new OpenAPIHono();

  // The process is up and serving HTTP.
  routes.openapi(getHealth, (c) => c.json({ status: 'ok' as const }, 200));

  // Postgres and Temporal answer and a worker polls: the service can take and deliver work.
  routes.openapi(getReadiness, async (c) => {
    const results = await Promise.all(checks.map(runCheck));
    const body = { checks: Object.fromEntries(results), timeZoneData: timeZoneDataVersion() };
    return results.every(([, result]) => result.status === 'up')
      ? c.json({ status: 'ready' as const, ...body }, 200)
      : c.json({ status: 'unavailable' as const, ...body }, 503);
  });

  return routes;
}

type CheckResult = { status: 'up' } | { status: 'down'; error: string };

async function runCheck(check: ReadinessCheck): Promise<[name: string, result: CheckResult]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return [check.name, { status: 'up' }];
  } catch (error) {
    return [check.name, { status: 'down', error: error instanceof Error ? error.message : String(error) }];
  } finally {
    clearTimeout(timer);
  }
}
