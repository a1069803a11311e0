import type { z } from 'zod';
import { ApiError, validationError } from './errors';
import { userIdSchema } from './schemas';

// What the routes read from the path and the query string, parsed into values or the ApiError that says why not.

export function parseUserId(raw: string): string {
  const parsed = userIdSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid_id', 'the user id is not a UUID', [{ path: 'id', message: 'expected a UUID' }]);
  return parsed.data.toLowerCase();
}

export function parseQuery<Schema extends z.ZodType>(schema: Schema, query: Record<string, string>): z.output<Schema> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw validationError(parsed.error, 'the query string is not valid');
  return parsed.data;
}

/** The user named in the path, or 404 when there is no live user with that id. */
export function foundUser<T>(value: T | null | false, id: string): T {
  if (value === null || value === false) throw new ApiError(404, 'user_not_found', `no user with id ${id}`);
  return value;
}
