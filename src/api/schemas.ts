import { DateTime } from 'luxon';
import { z } from 'zod';
import { isValidTimezone } from '../time/next-occurrence';

/** `YYYY-MM-DD` that is a real calendar date (no Feb 30, no Feb 29 in 2023). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => DateTime.fromISO(value, { zone: 'UTC' }).isValid, 'not a real calendar date');

const name = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');

/** The body of POST /users and PUT /users/:id. Unknown fields are refused rather than silently dropped. */
export const userBodySchema = z.strictObject({
  firstName: name,
  lastName: name,
  birthday: calendarDate,
  timezone: z.string().refine(isValidTimezone, 'not an IANA time zone name (e.g. "Europe/Paris")'),
  email: z.email('not an email address').max(254).nullish(),
});

export type UserBody = z.infer<typeof userBodySchema>;

export const userIdSchema = z.uuid('not a valid user id (expected a UUID)');

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(500).optional(),
});
