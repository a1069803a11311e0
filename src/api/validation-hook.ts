import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { ApiError, validationError } from './errors';

/**
 * What every route answers when its declared path, query or body schema refuses the request (the app's
 * `defaultHook`). It throws, so that the one error handler writes the body.
 */
export const validationHook: Hook<unknown, Env, string, void> = (result) => {
  if (result.success) return;
  // Path parameters are ids: a malformed one names no resource, which is not a field to fix in a form.
  if (result.target === 'param') {
    throw new ApiError(400, 'invalid_id', 'an id in the path is not a UUID', validationError(result.error).details);
  }
  const what: Record<string, string> = { query: 'the query string', header: 'a header' };
  throw validationError(result.error, `${what[result.target] ?? 'the body'} is not valid`);
};
