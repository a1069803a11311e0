import type { MiddlewareHandler } from 'hono';
import type { ApiKeys } from './api-keys';
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
 * `WWW-Authenticate`. Runs before routing and body parsing, so an unknown path or an oversized body answers 401 too:
 * nothing about the API is learnt without a key. The key itself is never logged (the request log has no headers).
 */
export function requireApiKey(keys: ApiKeys): MiddlewareHandler {
  return async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    const header = c.req.header('authorization');
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (presented !== undefined && keys.accepts(presented)) return next();
    const message =
      header === undefined
        ? 'an API key is needed: send `Authorization: Bearer <key>`'
        : 'the API key is not valid (send `Authorization: Bearer <key>`)';
    const challenge = header === undefined ? REALM : `${REALM}, error="invalid_token"`;
    return errorResponse(c, new ApiError(401, 'unauthorized', message, [], {}, { 'WWW-Authenticate': challenge }));
  };
}
