import { z } from 'zod';
import type { DeliveryView } from '../db/deliveries';
import type { Page } from '../db/keyset-page';
import type { NextDelivery } from '../domain/schedule-state';
import type { UserJson } from './user-json';
import { DeliveryStatus, EventType } from '../generated/prisma/enums';
import { apiErrorCodes } from './error-codes';

// What the API answers with, for the OpenAPI document. The service's own types are the truth here: each schema is
// checked at compile time to be exactly the type the service returns (see `sameShape`), so neither changes alone.
// Objects are strict: the document promises no field beyond those listed.

/** Compiles only when the documented shape and the service's type accept exactly the same values. */
type SameShape<Documented, Actual> = [Documented] extends [Actual]
  ? [Actual] extends [Documented]
    ? true
    : never
  : never;

const instant = z.iso
  .datetime()
  .meta({ description: 'An instant in UTC, ISO 8601', example: '2026-12-10T09:00:00.000Z' });
const civilDate = z.iso.date().meta({ example: '1990-12-10' });
const eventType = z.enum(EventType).meta({ description: 'The yearly event greeted' });

export const userSchema = z
  .strictObject({
    id: z.uuid(),
    firstName: z.string(),
    lastName: z.string(),
    birthday: civilDate,
    anniversary: civilDate.nullable().meta({ description: 'The anniversary greeted yearly; null when none' }),
    timezone: z.string().meta({ description: 'IANA time zone name' }),
    email: z.string().nullable(),
    externalId: z.string().nullable().meta({ description: "The caller's own id for the person; null when none" }),
    createdAt: instant,
    updatedAt: instant,
    paused: z.boolean().meta({
      description: 'True while the greetings are paused: an occurrence that comes due meanwhile is skipped',
    }),
    pausedAt: instant.nullable().meta({ description: 'When the pause began; null when not paused' }),
    pauseReason: z
      .string()
      .nullable()
      .meta({ description: 'The reason given for the pause; null when not paused or none was given' }),
  })
  .meta({ id: 'User' });
true satisfies SameShape<z.output<typeof userSchema>, UserJson>;

function pageOf<Item extends z.ZodType>(item: Item, id: string) {
  return z
    .strictObject({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass back as `cursor` for the next page; null on the last' }),
    })
    .meta({ id });
}

export const userPageSchema = pageOf(userSchema, 'UserPage');
true satisfies SameShape<z.output<typeof userPageSchema>, Page<UserJson>>;

export const deliverySchema = z
  .strictObject({
    id: z.uuid(),
    eventType,
    occurrenceYear: z.int(),
    occurrenceDate: civilDate,
    scheduledAt: instant,
    tzVersion: z.string().nullable().meta({
      description:
        'The IANA time-zone data release the due moment was computed with (e.g. 2026e); null for a row planned before releases were recorded',
    }),
    status: z.enum(DeliveryStatus),
    attempts: z.int(),
    idempotencyKey: z.string(),
    responseStatus: z.int().nullable().meta({ description: "The receiver's last HTTP status" }),
    lastError: z.string().nullable(),
    firstAttemptAt: instant.nullable(),
    lastAttemptAt: instant.nullable(),
    deliveredAt: instant.nullable(),
    latenessMs: z.int().nullable().meta({ description: 'How long after the due moment the delivery started' }),
    nextAttemptAt: instant.nullable().meta({
      description: 'When the row may be attempted next: its due moment while armed, the backoff after a failed attempt',
    }),
    createdAt: instant,
    updatedAt: instant,
    workflowId: z.string(),
    runId: z.string(),
  })
  .meta({ id: 'Delivery', description: 'A row of the delivery ledger: one per user, event and occurrence year' });
true satisfies SameShape<z.output<typeof deliverySchema>, DeliveryView>;

export const deliveryPageSchema = pageOf(deliverySchema, 'DeliveryPage');

/** The workflow's plan as PUT /users/:id answers it. */
export const plannedDeliverySchema = z
  .strictObject({
    eventType,
    timezone: z.string(),
    year: z.int().meta({ description: 'The occurrence year' }),
    localDate: civilDate,
    localDateTime: z.string().meta({ description: 'The due moment in local ISO time with its offset' }),
    instant,
    epochMs: z.int(),
  })
  .meta({ id: 'PlannedDelivery' });
true satisfies SameShape<z.output<typeof plannedDeliverySchema>, NextDelivery>;

export const updatedUserSchema = userSchema.extend({ nextDelivery: plannedDeliverySchema }).meta({ id: 'UpdatedUser' });

export const createdUserSchema = userSchema
  .extend({
    nextDelivery: plannedDeliverySchema.nullable().meta({
      description:
        "The birthday's first delivery, planned with the saved row. A replayed create shows the plan that stands " +
        'now; null only when none can be read at that moment',
    }),
  })
  .meta({ id: 'CreatedUser' });

/** DELETE saved while the workers are behind: the deletion stands, the workflows hear of it from the reconciler. */
export const deletionAcceptedSchema = z
  .strictObject({
    id: z.uuid(),
    deleted: z.literal(true),
    message: z.string(),
  })
  .meta({ id: 'DeletionAccepted' });

export const nextDeliverySchema = z
  .strictObject({
    eventType,
    occurrenceYear: z.int(),
    occurrenceDate: civilDate,
    timezone: z.string(),
    instant,
    localDateTime: z.string().meta({ description: 'The due moment in local ISO time with its offset' }),
  })
  .meta({ id: 'NextDelivery' });

export const redriveAcceptedSchema = z
  .strictObject({ deliveryId: z.uuid(), occurrenceYear: z.int(), status: z.literal('accepted') })
  .meta({ id: 'RedriveAccepted' });

export const healthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readinessSchema = z
  .strictObject({
    status: z.enum(['ready', 'unavailable']),
    checks: z
      .record(
        z.string(),
        z.union([
          z.strictObject({ status: z.literal('up') }),
          z.strictObject({ status: z.literal('down'), error: z.string() }),
        ]),
      )
      .meta({ description: 'One entry per dependency checked: postgres, temporal' }),
    timeZoneData: z
      .string()
      .meta({ description: 'The IANA time-zone data release this API computes first plans with, e.g. 2026e' }),
  })
  .meta({ id: 'Readiness' });

/** What went wrong, in every error body. */
export const apiErrorSchema = z
  .strictObject({
    code: z.enum(apiErrorCodes).meta({ description: 'Stable and machine-readable' }),
    message: z.string().meta({ description: 'For people; may change' }),
    details: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .meta({ description: 'One entry per field at fault (`path` is dotted); empty when no field is' }),
  })
  .meta({ id: 'ApiError' });

export const errorBodySchema = z.strictObject({ error: apiErrorSchema }).meta({ id: 'Error' });

/** A 503 after a write: the error and the saved user, whose workflow the reconciler completes. */
export const savedButUnscheduledSchema = z
  // A union, not .nullable(): the generator writes a nullable $ref as an allOf that still refuses null.
  .strictObject({ error: apiErrorSchema, user: z.union([userSchema, z.null()]) })
  .meta({ id: 'SavedButUnscheduled' });

export const importReportSchema = z
  .strictObject({
    created: z.int().meta({ description: 'Rows that made a new user (and started their workflow)' }),
    updated: z.int().meta({ description: 'Rows that changed a user they matched, as a PUT does' }),
    unchanged: z.int().meta({ description: 'Rows that matched a user whose fields already equal them' }),
    refused: z.int().meta({ description: 'Rows that changed nothing; each says why' }),
    rows: z.array(
      z
        .strictObject({
          line: z.int().meta({
            description: "The row's line in an NDJSON body, or its 1-based position in a JSON array",
          }),
          outcome: z.enum(['created', 'updated', 'unchanged', 'refused']),
          userId: z.uuid().optional().meta({ description: 'The user the row made or matched (or saved, on a 503)' }),
          error: apiErrorSchema
            .optional()
            .meta({ description: 'Why the row was refused: the error a POST (or PUT) of it would answer with' }),
        })
        .meta({ id: 'ImportedRow' }),
    ),
  })
  .meta({ id: 'ImportReport' });
