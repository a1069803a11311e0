/**
 * What the yearly greeting workflow shares with its callers: its input, its Update, Signal and Query definitions and
 * their arguments, its search attributes and the failure types it and its activities throw. The workflow, the
 * activities, the client wrapper and the API all take these names from here, so the two sides cannot drift apart. The
 * data the messages carry (a plan, a pause, a delivery's outcome, the run's state) is the domain's, in src/domain.
 *
 * Safe to import from workflow code: no Node built-ins and nothing that opens a connection (no Prisma, Hono, pino or
 * Temporal client), only definitions.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeliveryOutcome } from '../domain/delivery-outcome';
import type { DispatchTally } from '../domain/dispatch-tally';
import type { EventType } from '../domain/event-type';
import type { NextDelivery, PlannedOccurrence, ScheduleState } from '../domain/schedule-state';
import type { LeapDayPolicy } from '../time/next-occurrence';

/** What decides when the greeting is due. Names are not here: the delivery reads them fresh from Postgres. */
export interface GreetingSchedule {
  /** `YYYY-MM-DD`; only month and day matter. */
  date: string;
  /** IANA zone name. */
  timezone: string;
}

/**
 * A run knows whose greeting it is, nothing more: every plan reads the date, zone and pause from Postgres and the
 * delivery time from the worker's settings.
 */
export interface YearlyGreetingInput {
  userId: string;
  eventType: EventType;
  /** The first occurrence year this run may deliver; the year after the last delivery, after continue-as-new. */
  fromYear?: number;
  /**
   * The first plan, made and armed by the API with the user's row at a create, or the plan that stood when the
   * previous run handed over: the run adopts it instead of planning (unless its instant has passed by the run's
   * first task). Every later plan reads Postgres.
   */
  plan?: PlannedOccurrence;
  /** Only in runs started before plans read Postgres: never read by today's code. */
  schedule?: GreetingSchedule;
  /** Only in runs started before plans read the worker's settings: never read by today's code. */
  deliveryTime?: string;
  /** Only in runs started before plans read the worker's settings: never read by today's code. */
  leapDayPolicy?: LeapDayPolicy;
}

export interface RedriveRequest {
  occurrenceYear: number;
}

export interface PauseRequest {
  reason?: string;
}

/**
 * The user's date or zone changed in Postgres: plan again from Postgres and answer the new next delivery. The
 * argument is what the caller just wrote, checked by the validator (so a zone this worker's time-zone data does not
 * know is refused before anything changes) and never kept: the plan reads the row.
 */
export const changeScheduleUpdate = defineUpdate<NextDelivery, [GreetingSchedule]>('changeSchedule');
/** Re-read Postgres and the worker's settings and plan again (after a tz data update or a DELIVERY_TIME change). */
export const refreshScheduleSignal = defineSignal('refreshSchedule');
/** Pause the user's greetings: recorded in Postgres, then the run plans again. A due occurrence is `skipped`. */
export const pauseSignal = defineSignal<[PauseRequest?]>('pause');
/** End the user's pause: recorded in Postgres, then the run plans again. */
export const resumeSignal = defineSignal<[]>('resume');
/**
 * The same pause as an Update (`temporal workflow update execute --name pause`): answered with the run's state once
 * recorded and planned, and it wakes a run waiting in its start delay, where a signal waits until the run wakes.
 */
export const pauseUpdate = defineUpdate<ScheduleState, [PauseRequest?]>('pause');
/** The same resume as an Update, answered with the run's state; it wakes a run in its start delay. */
export const resumeUpdate = defineUpdate<ScheduleState, []>('resume');
/** `refreshSchedule` as an Update, answered with the run's state once planned; it wakes a run in its start delay. */
export const refreshScheduleUpdate = defineUpdate<ScheduleState, []>('refreshSchedule');
/** The run's stage, plan, pause and problem, for the API and operators. */
export const scheduleStateQuery = defineQuery<ScheduleState>('scheduleState');
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
  /** The user's schedule cannot be planned by this worker (e.g. a zone its time-zone data does not know). */
  Unplannable: 'Unplannable',
  /** Planning failed for a passing reason (Postgres unreachable) and will be tried again. */
  PlanUnavailable: 'PlanUnavailable',
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

/** The input of the dispatcher of one due instant. */
export interface DueDispatchInput {
  /** The instant, UTC ISO. */
  dueAt: string;
  /** Activities claiming pages side by side. */
  passes: number;
  /** Retries are waited for until this long after the instant; the users' own runs take over what is left. */
  retryHorizonMs: number;
}

/** What a dispatcher did so far. */
export const dispatchProgressQuery = defineQuery<{ stage: string; tally: DispatchTally }>('dispatchProgress');
