import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import type { BlankEnv, MiddlewareHandler } from 'hono/types';
import type { Log } from '../logging/log';
import type { MetricsExposition } from '../metrics/exposition';
import type { HttpMetrics } from '../metrics/http-metrics';
import type { UserSchedule } from '../users/user-schedule';
import type { UserImport } from '../users/user-import';
import type { UserService } from '../users/user-service';
import { mountAlias } from './aliases';
import { allowedMethods } from './allowed-methods';
import type { ApiKeys } from './api-keys';
import { requireApiKey } from './authentication';
import type { KeyRateLimiter } from './rate-limit';
import { apiErrorFor } from './domain-errors';
import { ApiError, errorResponse } from './errors';
import { openApiDocument } from './openapi-document';
import { requestObserver } from './request-log';
import { deliveryRoutes } from './routes/deliveries';
import { docsRoutes } from './routes/docs';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { importRoutes, MAX_IMPORT_BODY_BYTES } from './routes/import';
import { metricsRoutes } from './routes/metrics';
import { scheduleRoutes } from './routes/schedule';
import { userRoutes } from './routes/users';
import { validationHook } from './validation-hook';

export interface AppDependencies {
  /** The keys a request must carry (`Authorization: Bearer <key>`) on every path but the public ones. */
  apiKeys: ApiKeys;
  /** Per-key request rate (API_RATE_LIMIT); none when not given. */
  rateLimiter?: KeyRateLimiter;
  users: UserService;
  /** POST /users/import. */
  userImport: UserImport;
  schedule: UserSchedule;
  readiness: ReadinessCheck[];
  /** One line per request (method, route pattern, status, duration). */
  log: Log;
  httpMetrics: HttpMetrics;
  /** What GET /metrics serves. */
  metrics: MetricsExposition;
  /** Where unexpected errors are reported; the client only sees a generic 500. */
  onUnexpectedError?: (error: unknown) => void;
}

/** A user body is a few hundred bytes; anything this large is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

/** POST /users/import (and its alias) carries many users: its body may be larger. */
const IMPORT_PATHS = ['/users/import', '/user/import'];

function bodyLimitOf(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      errorResponse(c, new ApiError(413, 'payload_too_large', `the body is larger than ${maxSize} bytes`)),
  });
}

export function createApp(deps: AppDependencies): OpenAPIHono<BlankEnv> {
  // Mounted routes find this hook through their parent: a refused path, query or body answers our error body.
  const app = new OpenAPIHono<BlankEnv>({ defaultHook: validationHook });

  app.use('*', requestObserver({ log: deps.log, httpMetrics: deps.httpMetrics }));
  app.use('*', requireApiKey(deps.apiKeys, deps.rateLimiter));
  app.use('*', except(IMPORT_PATHS, bodyLimitOf(MAX_BODY_BYTES)));
  for (const path of IMPORT_PATHS) app.use(path, bodyLimitOf(MAX_IMPORT_BODY_BYTES));

  const users = new OpenAPIHono()
    // Before the user routes, so that `import` is never read as a user id.
    .route('/', importRoutes(deps.userImport))
    .route('/', userRoutes(deps.users))
    .route('/', scheduleRoutes(deps.schedule))
    .route('/', deliveryRoutes(deps.users));
  app.route('/users', users);
  // The seed's singular paths, kept as aliases.
  mountAlias(app, users, { original: '/users', alias: '/user' });
  app.route('/', healthRoutes(deps.readiness));
  app.route('/', metricsRoutes(deps.metrics));
  app.route(
    '/',
    docsRoutes(() => openApiDocument(app)),
  );

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length === 0) {
      return errorResponse(c, new ApiError(404, 'route_not_found', `no route for ${c.req.method} ${c.req.path}`));
    }
    c.header('Allow', allowed.join(', '));
    return errorResponse(
      c,
      new ApiError(
        405,
        'method_not_allowed',
        `${c.req.path} does not answer ${c.req.method}; it answers ${allowed.join(', ')}`,
      ),
    );
  });

  // Whatever a handler, a validation hook or a service throws ends here; apiErrorFor's one table says the answer.
  app.onError((error, c) => {
    const answer = apiErrorFor(error);
    if (answer) return errorResponse(c, answer);
    deps.onUnexpectedError?.(error);
    return errorResponse(c, new ApiError(500, 'internal_error', 'something went wrong on our side'));
  });

  return app;
}
