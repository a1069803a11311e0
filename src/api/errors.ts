import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ApiErrorCode } from './error-codes';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every error the API returns: a stable machine-readable code, a sentence for people, optional details. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** More top-level fields beside `error`, e.g. the saved user of a 503. */
    readonly extra: Record<string, unknown> = {},
    /** Headers the answer carries, e.g. `Retry-After` on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function validationError(error: z.ZodError, message = 'the request is not valid'): ApiError {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return new ApiError(400, 'validation_failed', message, details);
}

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(
    { error: { code: error.code, message: error.message, details: error.details }, ...error.extra },
    error.status,
  );
}

/** The user named in the path, or 404 when there is no live user with that id. */
export function foundUser<T>(value: T | null | false, id: string): T {
  if (value === null || value === false) throw new ApiError(404, 'user_not_found', `no user with id ${id}`);
  return value;
}
