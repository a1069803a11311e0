import { DateTime } from 'luxon';
import { z } from 'zod';
import { isValidTimezone } from '../time/next-occurrence';

/** `YYYY-MM-DD` that is a real calendar date (no Feb 30, no Feb 29 in 2023). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => DateTime.fromISO(value, { zone: 'UTC' }).isValid, 'not a real calendar date');

const ianaTimezone = z.string().refine(isValidTimezone, 'not an IANA time zone name (e.g. "Europe/Paris")');

const name = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');

/** The body of POST /users and PUT /users/:id. Unknown fields are refused rather than silently dropped. */
export const userBodySchema = z.strictObject({
  firstName: name,
  lastName: name,
  birthday: calendarDate,
  timezone: ianaTimezone,
  email: z.email('not an email address').max(254).nullish(),
});

export type UserBody = z.infer<typeof userBodySchema>;

export const userIdSchema = z.uuid('not a valid user id (expected a UUID)');

/** `limit` and `cursor` of a keyset-paginated list; unknown parameters are refused like unknown body fields. */
function pageQuerySchema(limit: { max: number; default: number }) {
  return z.strictObject({
    limit: z.coerce.number().int().min(1).max(limit.max).default(limit.default),
    cursor: z.string().min(1).max(500).optional(),
  });
}

/** GET /users: a page of live users, optionally only those in one zone (exact IANA name). */
export const listQuerySchema = pageQuerySchema({ max: 500, default: 50 }).extend({ timezone: ianaTimezone.optional() });

/** GET /users/:id/deliveries: a page of the user's ledger. */
export const deliveriesQuerySchema = pageQuerySchema({ max: 100, default: 20 });
