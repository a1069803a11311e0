import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors';

/** `application/json` and its `+json` kinds (`application/merge-patch+json`), with or without parameters. */
const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/**
 * First in the `middleware` of a route that takes a JSON body: a body sent as another type (or with none) is 415, text
 * that is not JSON is 400 `invalid_json`. The route's validators come next, on the text Hono keeps from here:
 * @hono/zod-openapi's own media type check (stricter; what it refuses is 415 too) and the body schema. Without this,
 * unparsable text would get Hono's bare 400, and a body without a content type would be judged as `{}`.
 */
export const jsonBody = createMiddleware(async (c, next) => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON with content-type application/json');
  }
  try {
    await c.req.json();
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
  await next();
});

/**
 * As `jsonBody`, for a route whose JSON body is optional: an empty body is no body, with or without a content type
 * (`curl -X POST -H 'content-type: application/json' URL` sends one empty), and the route's validator sees `{}`.
 */
export const optionalJsonBody = createMiddleware(async (c, next) => {
  if ((await c.req.text()) !== '') return jsonBody(c, next);
  // What follows sees the request as sent without a body: no content type, so the validator takes it as `{}`.
  const headers = new Headers(c.req.raw.headers);
  headers.delete('content-type');
  c.req.raw = new Request(c.req.url, { method: c.req.method, headers });
  return next();
});
