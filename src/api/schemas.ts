import { DateTime } from 'luxon';
import { z } from 'zod';
import { deliveryCursor } from '../db/deliveries';
import { eventTypeNames } from '../domain/event-type';
import { datesUpToPattern } from './date-range-pattern';
import { userCursor } from '../db/users';
import { EVENT_TYPES } from '../greetings/events';
import { canonicalTimezone, supportedTimezones } from '../time/time-zone-name';

/** The current time in epoch milliseconds. */
export type Clock = () => number;

type Rule = [holds: (value: string) => boolean, message: string];

/** Checks rules in order and reports the first one broken, so that one bad value gets one message. */
function firstBroken(...rules: Rule[]) {
  return (value: string, ctx: z.RefinementCtx<string>) => {
    const broken = rules.find(([holds]) => !holds(value));
    if (broken) ctx.addIssue({ code: 'custom', message: broken[1], input: value });
  };
}

const EARLIEST_DATE = '1900-01-01';
/** The first zone to start each day (Kiribati's Line Islands): no later date has begun anywhere on Earth. */
const FIRST_ZONE_OF_THE_DAY = 'UTC+14';
/** The last zone to start each day: a date that has begun there has begun everywhere. */
const LAST_ZONE_OF_THE_DAY = 'UTC-12';

/**
 * `YYYY-MM-DD` that is a real calendar date (no Feb 30, no Feb 29 in 2023), not before 1900: the date of a yearly
 * event (a birthday, an anniversary). The OpenAPI document shows it as a `date`; the rules JSON Schema cannot state
 * (the earliest date, not in the future) are in its text.
 */
const eventDate = z
  .string()
  .superRefine(
    firstBroken(
      [(value) => /^\d{4}-\d{2}-\d{2}$/.test(value), 'expected a date as YYYY-MM-DD'],
      [(value) => DateTime.fromISO(value, { zone: 'UTC' }).isValid, 'not a real calendar date'],
      [(value) => value >= EARLIEST_DATE, `must not be before ${EARLIEST_DATE}`],
    ),
  )
  .meta({
    format: 'date',
    // Today in the last zone to start the day, when the process started: a date the pattern allows is never in the
    // future anywhere, so the document never calls valid a birthday the API refuses.
    pattern: datesUpToPattern(
      Number(EARLIEST_DATE.slice(0, 4)),
      DateTime.now().setZone(LAST_ZONE_OF_THE_DAY).toISODate()!,
    ),
    description:
      `A real calendar date as YYYY-MM-DD, from ${EARLIEST_DATE} up to today in the user's \`timezone\` ` +
      '(never in the future; with an unknown zone, today in the first zone on Earth to start the day). The ' +
      "pattern states the range as of the service's start, in the last zone on Earth to start the day (UTC-12).",
    example: '1990-12-10',
  });

const MAX_NAME_LENGTH = 100;
const MAX_PAUSE_REASON_LENGTH = 500;

// A name is what the person says it is (`Jennifer 8. Lee`, `Martin Luther King Jr.`): any printable text. Refused
// are C0 and C1 control characters (a tab or a line break has no place in a greeting) and blank names. The pattern
// is written with plain code point ranges so that it means the same to every JSON Schema tool that reads it.
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
/** What String.prototype.trim removes, besides line breaks (controls already). */
const TRIMMED_SPACE = '\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** No control character, and something left once trimmed. */
const NAME_PATTERN = new RegExp(`^[^${CONTROL}]*[^${CONTROL}${TRIMMED_SPACE}][^${CONTROL}]*$`);
/** Half of a surrogate pair without the other half: not text, and Postgres cannot store it. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Printable text, trimmed and normalized to NFC. Its length is counted in code points, as Postgres counts the
 * characters of a VARCHAR column; a letter with a mark that NFC cannot merge into it counts as two.
 */
function printableText(maxLength: number) {
  return z
    .string()
    .superRefine(
      firstBroken(
        [(value) => value.trim().length > 0, 'must not be empty'],
        [(value) => NAME_PATTERN.test(value), 'must not hold control characters (tabs, line breaks, ...)'],
        [(value) => !LONE_SURROGATE.test(value), 'must not hold a lone UTF-16 surrogate'],
      ),
    )
    .transform((value) => value.trim().normalize('NFC'))
    .refine((value) => [...value].length <= maxLength, `at most ${maxLength} characters`);
}

/** A first or last name (a VARCHAR(100) column). */
const name = printableText(MAX_NAME_LENGTH).meta({
  minLength: 1,
  maxLength: MAX_NAME_LENGTH,
  pattern: NAME_PATTERN.source,
  description:
    `Any printable text, as the person writes their name: trimmed and stored in Unicode NFC, 1 to ` +
    `${MAX_NAME_LENGTH} characters (code points) once trimmed, without control characters.`,
  example: 'Ada',
});

/** Why a user's greetings are paused (a VARCHAR(500) column): printable text as a name is. */
const pauseReason = printableText(MAX_PAUSE_REASON_LENGTH).meta({
  minLength: 1,
  maxLength: MAX_PAUSE_REASON_LENGTH,
  pattern: NAME_PATTERN.source,
  description:
    `Why the greetings are paused, kept with the pause and in the ledger of each occurrence skipped: printable text, ` +
    `trimmed and stored in Unicode NFC, 1 to ${MAX_PAUSE_REASON_LENGTH} characters (code points) once trimmed, ` +
    'without control characters.',
  example: 'on leave until March',
});

const TIMEZONE_MESSAGE = 'not an IANA time zone name (e.g. "Europe/Paris")';

/** An IANA zone name in any letter case, read as IANA spells it; a Link (`US/Pacific`) stays the name it is. */
const ianaTimezone = z
  .string()
  .transform((value, ctx) => {
    const canonical = canonicalTimezone(value);
    if (canonical === null) ctx.addIssue({ code: 'custom', message: TIMEZONE_MESSAGE, input: value });
    return canonical ?? value;
  })
  .meta({
    enum: supportedTimezones(),
    description:
      'A name of the IANA time zone database, stored as IANA spells it (`europe/london` is taken as `Europe/London`). ' +
      'A Link such as `US/Pacific` is kept as given, not replaced by the zone it points to. The list is the names ' +
      "the service's time-zone data knows.",
    example: 'Europe/London',
  });

/**
 * Trimmed, at most 254 characters (the longest address SMTP carries), an address as HTML's `<input type=email>`
 * defines it (what JSON Schema's `email` format generators produce); its case is kept as given.
 */
const email = z
  .string()
  .trim()
  .max(254, 'at most 254 characters')
  .pipe(z.email({ pattern: z.regexes.html5Email, message: 'not an email address' }))
  .meta({
    format: 'email',
    maxLength: 254,
    description:
      "An email address (as HTML's `<input type=email>` defines it), trimmed, its case kept; unique among live users " +
      'whatever its case',
  });

const MAX_EXTERNAL_ID_LENGTH = 255;

/** The caller's own id for the person (a VARCHAR(255) column): printable text as a name is, compared exactly. */
const externalId = printableText(MAX_EXTERNAL_ID_LENGTH).meta({
  minLength: 1,
  maxLength: MAX_EXTERNAL_ID_LENGTH,
  pattern: NAME_PATTERN.source,
  description:
    "The caller's own id for the person (a CRM's key), optional: printable text, trimmed, 1 to " +
    `${MAX_EXTERNAL_ID_LENGTH} characters, unique among live users (a deleted user's id is free again). ` +
    'A bulk import (`POST /users/import`) matches its rows to users by it, else by email.',
  example: 'crm-000123',
});

/** Today's date where the person lives, or, with no valid zone, the latest date that has begun anywhere. */
function todayFor(timezone: unknown, nowMs: number): { date: string; zone: string } {
  const zone = (typeof timezone === 'string' && canonicalTimezone(timezone)) || FIRST_ZONE_OF_THE_DAY;
  return { date: DateTime.fromMillis(nowMs, { zone }).toISODate()!, zone };
}

/**
 * The body of POST /users and PUT /users/:id, judged against `clock` (read at each parse). Unknown fields are
 * refused rather than silently dropped.
 */
export function createUserBodySchema(clock: Clock = Date.now) {
  return z
    .strictObject({
      firstName: name,
      lastName: name,
      birthday: eventDate,
      anniversary: eventDate.nullish().meta({
        description:
          'Optional: the date of an anniversary greeted every year like the birthday, with its own message. Null or ' +
          'left out: none (a PUT without it removes the anniversary, ends its greetings and cancels a pending one).',
        example: '2015-06-20',
      }),
      timezone: ianaTimezone,
      email: email.nullish(),
      externalId: externalId.nullish(),
    })
    .superRefine(
      (body, ctx) => {
        const today = todayFor(body.timezone, clock());
        for (const { type } of EVENT_TYPES) {
          const date = body[type];
          // A date already refused for its form is not judged again.
          if (typeof date !== 'string' || !isCalendarDate(date) || date <= today.date) continue;
          ctx.addIssue({
            code: 'custom',
            path: [type],
            message: `must not be in the future (it is ${today.date} in ${today.zone})`,
          });
        }
      },
      // Also when other fields are wrong, so that every problem is named at once; not when the body is no object at
      // all (`null`, an array, a string) and has no fields to read.
      { when: ({ value }) => isRecord(value) },
    );
}

function isCalendarDate(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid && value >= EARLIEST_DATE
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as the API validates and documents it (`UserBody` in the OpenAPI document). */
export const userBodySchema = createUserBodySchema().meta({ id: 'UserBody' });

export type UserBody = z.infer<typeof userBodySchema>;

/** The fields a user is created with: the columns of an import or an export, whatever fields are added later. */
export const userFieldNames = Object.keys(userBodySchema.shape);

/**
 * A row of a bulk import: a create's body that names the person by `externalId` or `email`, so that importing it
 * again finds the user it made instead of making a second one.
 */
export const importRowSchema = createUserBodySchema().superRefine((row, ctx) => {
  if (row.externalId || row.email) return;
  ctx.addIssue({
    code: 'custom',
    path: ['externalId'],
    message: 'an imported row needs an externalId or an email, so that importing it again finds this user',
  });
});

/** The optional body of POST /users/:id/pause; unknown fields are refused. */
export const pauseBodySchema = z
  .strictObject({ reason: pauseReason.nullish() })
  .meta({ id: 'PauseBody', description: 'Optional: without a body (or a reason) the pause has no reason.' });

/** An id in a path: a UUID in any case, read in lower case as the database stores it. */
const pathId = (description: string) =>
  z
    .uuid('expected a UUID')
    .transform((id) => id.toLowerCase())
    .meta({ description });

/** `/users/{id}`. */
export const userPathSchema = z.object({ id: pathId('The user id') });

/**
 * POST /users's headers: the optional Idempotency-Key (other headers pass: a header schema is not strict). Visible
 * ASCII, as the IETF draft's sf-string and every client library's generated keys (UUIDs, ULIDs) are.
 */
export const createHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]*$/, 'visible ASCII characters only, no spaces')
    .optional()
    .meta({
      description:
        'Any unique string (a UUID is a good choice), 1–255 visible ASCII characters. A create sent again with the ' +
        'same key and fields answers with the user the first one made; with other fields it is refused (422).',
    }),
});

/** `/users/{id}/deliveries/{deliveryId}/...`. */
export const deliveryPathSchema = userPathSchema.extend({
  deliveryId: pathId('The `id` of an item of the delivery ledger'),
});

/**
 * `limit` and `cursor` of a keyset-paginated list; unknown parameters are refused like unknown body fields. The
 * cursor's form is checked where it is decoded (a mismatch is 400 `invalid_cursor`); the document states it.
 */
function pageQuerySchema(limit: { max: number; default: number }, cursorPattern: RegExp) {
  return z.strictObject({
    limit: z.coerce.number().int().min(1).max(limit.max).default(limit.default).meta({ description: 'Items per page' }),
    cursor: z
      .string()
      .optional()
      .meta({
        pattern: cursorPattern.source,
        description:
          "Opaque: only the previous page's `nextCursor` (of this list) is meant to go here. Any value of its form " +
          "(the pattern) names a position in the list's order, and the page starts after it, whatever list or filter it came from.",
      }),
  });
}

/** GET /users: a page of live users, optionally only those in one zone. */
export const listQuerySchema = pageQuerySchema({ max: 500, default: 50 }, userCursor.pattern).extend({
  timezone: ianaTimezone.optional().meta({ description: 'Only users in this IANA zone (the name in any letter case)' }),
});

/** A yearly event type in a query string. */
const eventTypeParameter = z.enum(eventTypeNames);

/** GET /users/:id/deliveries: a page of the user's ledger, optionally of one event type. */
export const deliveriesQuerySchema = pageQuerySchema({ max: 100, default: 20 }, deliveryCursor.pattern).extend({
  eventType: eventTypeParameter.optional().meta({ description: 'Only deliveries of this event type' }),
});

/** GET /users/:id/next-delivery: which event's run to ask; unknown parameters are refused. */
export const nextDeliveryQuerySchema = z.strictObject({
  eventType: eventTypeParameter
    .default('birthday')
    .meta({ description: "The event whose next delivery is asked for (the birthday's when left out)" }),
});
