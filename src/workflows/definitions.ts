/**
 * What the yearly greeting workflow shares with its callers: its input and answers, its Update and Query definitions,
 * its search attributes and the failure types it and its activities throw. The workflow, the activities, the client
 * wrapper and the API all take these names from here, so the two sides cannot drift apart.
 *
 * Safe to import from workflow code: no Node built-ins and nothing that opens a connection (no Prisma, Hono, pino or
 * Temporal client), only definitions.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { EventType } from '../greetings/message';
import type { LeapDayPolicy, Occurrence } from '../time/next-occurrence';

/** What decides when the greeting is due. Names are not here: the delivery reads them fresh from Postgres. */
export interface GreetingSchedule {
  /** `YYYY-MM-DD`; only month and day matter. */
  date: string;
  /** IANA zone name. */
  timezone: string;
}

export interface YearlyGreetingInput {
  userId: string;
  eventType: EventType;
  schedule: GreetingSchedule;
  /** Local time of day the greeting is due, `HH:mm` or `HH:mm:ss`. */
  deliveryTime: string;
  /** Where a Feb 29 date falls in other years; Feb 28 when unset. */
  leapDayPolicy?: LeapDayPolicy;
  /** The first occurrence year this run may deliver; the year after the last delivery, after continue-as-new. */
  fromYear?: number;
}

/** The occurrence a run waits for (or is delivering). */
export interface NextDelivery extends Occurrence {
  eventType: EventType;
  timezone: string;
}

export interface RedriveRequest {
  occurrenceYear: number;
}

/** How one delivery of an occurrence ended, as the delivery activities answer it. */
export type DeliveryOutcome =
  | { outcome: 'delivered'; deliveryId: string; responseStatus: number; attempt: number; latenessMs: number }
  | { outcome: 'already-delivered'; deliveryId: string }
  | { outcome: 'user-deleted'; deliveryId: string | null }
  | { outcome: 'missed'; deliveryId: string; latenessMs: number }
  | { outcome: 'closed'; deliveryId: string; status: string }
  | { outcome: 'not-found'; deliveryId: null };

/** What a run is doing right now, or how its delivery ended (shown in the Web UI). */
export type RunStage = 'planning' | 'sleeping' | 'delivering' | 'failed' | 'user-deleted' | DeliveryOutcome['outcome'];

/** Change the date or time zone: the sleeping timer moves, and the answer is the new next delivery. */
export const changeScheduleUpdate = defineUpdate<NextDelivery, [GreetingSchedule]>('changeSchedule');
/** Send a failed or missed occurrence again (an operator's decision); the answer is how it went. */
export const redriveDeliveryUpdate = defineUpdate<DeliveryOutcome, [RedriveRequest]>('redriveDelivery');
/** The occurrence the workflow is waiting for (or delivering); null while its first plan is being made. */
export const nextDeliveryQuery = defineQuery<NextDelivery | null>('nextDelivery');

/**
 * The `type` of every ApplicationFailure the workflow and its activities throw. Both sides match failures on it, never
 * on a class or a message: a failure crosses the workflow sandbox and the network as data.
 */
export const FailureType = {
  /** The receiver refused the greeting (a 4xx other than 408/429): not retried. */
  WebhookRejected: 'WebhookRejected',
  /** The receiver did not take the greeting this time (5xx, 408, 429, timeout, no connection): retried. */
  WebhookUnavailable: 'WebhookUnavailable',
  /** Another attempt holds the ledger row of this occurrence: retried once it settles or its claim lapses. */
  DeliveryInFlight: 'DeliveryInFlight',
  /** An Update's validator refused its argument; nothing changed. */
  InvalidUpdate: 'InvalidUpdate',
  /** A schedule change found the user deleted; the run ends. */
  UserDeleted: 'UserDeleted',
  /** An operator's re-drive was refused again by the receiver; the ledger row is failed again. */
  RedriveFailed: 'RedriveFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * The custom search attributes of every greeting workflow, so the Web UI and `temporal workflow list --query` find
 * "this user's runs" or "all birthdays due tomorrow". Only ids, the event type and instants: no personal data
 * (names, birthdays, emails) ever goes into visibility. A cluster must have them registered (see docs/operations.md);
 * the one-command run registers them with the dev server.
 */
export const userIdSearchAttribute = defineSearchAttributeKey('GreetingUserId', SearchAttributeType.KEYWORD);
export const eventTypeSearchAttribute = defineSearchAttributeKey('GreetingEventType', SearchAttributeType.KEYWORD);
/** The UTC instant of the occurrence the run is waiting for; moves on a schedule change and each year. */
export const nextDeliverySearchAttribute = defineSearchAttributeKey(
  'GreetingNextDeliveryAt',
  SearchAttributeType.DATETIME,
);

/** Every key above, for registering them with a namespace. */
export const greetingSearchAttributes = [userIdSearchAttribute, eventTypeSearchAttribute, nextDeliverySearchAttribute];
