import type { MiddlewareHandler } from 'hono';
import type { ApiKeys } from './api-keys';
import type { KeyRateLimiter } from './rate-limit';
import { ASSETS_PATH, DOCS_PATH, OPENAPI_PATH } from './docs-viewer';
import { ApiError, errorResponse } from './errors';

/** What answers without a key: liveness and readiness probes, and the API's own documentation. */
export function isPublicPath(path: string): boolean {
  return (
    path === '/health' ||
    path === '/ready' ||
    path === OPENAPI_PATH ||
    path === DOCS_PATH ||
    path.startsWith(`${ASSETS_PATH}/`)
  );
}

const BEARER = /^Bearer +(\S+) *$/i;
const REALM = 'Bearer realm="yearly-greetings"';

/**
 * Every other request needs `Authorization: Bearer <key>` with one of the keys; else 401 with the error body and
 * `WWW-Authenticate`. A key past its rate limit (`limiter`) is answered 429 `rate_limited` with `Retry-After`. Runs before routing and body parsing, so an unknown path or an oversized body answers 401 too:
 * nothing about the API is learnt without a key. The key itself is never logged (the request log has no headers).
 */
export function requireApiKey(keys: ApiKeys, limiter?: KeyRateLimiter): MiddlewareHandler {
  return async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    const header = c.req.header('authorization');
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    const key = presented === undefined ? null : keys.match(presented);
    if (key !== null) {
      const decision = limiter?.take(key) ?? { allowed: true };
      if (decision.allowed) return next();
      const message = `this API key sent more requests than its rate limit; send again in ${decision.retryAfterSeconds} s`;
      const retryAfter = { 'Retry-After': String(decision.retryAfterSeconds) };
      return errorResponse(c, new ApiError(429, 'rate_limited', message, [], {}, retryAfter));
    }
    const message =
      header === undefined
        ? 'an API key is needed: send `Authorization: Bearer <key>`'
        : 'the API key is not valid (send `Authorization: Bearer <key>`)';
    const challenge = header === undefined ? REALM : `${REALM}, error="invalid_token"`;
    return errorResponse(c, new ApiError(401, 'unauthorized', message, [], {}, { 'WWW-Authenticate': challenge }));
  };
}
