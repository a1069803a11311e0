import {
  ApplicationFailure,
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import type { User } from '../db/users';
import type { EventType } from '../domain/event-type';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  nextDeliveryOf,
  type NextDelivery,
  type PlannedOccurrence,
  type ScheduleState,
} from '../domain/schedule-state';
import { workflowIdFor } from '../greetings/ids';
import { eventStrategy } from '../greetings/events';
import { delayedStartDetails, runSummary } from '../greetings/run-description';
import { requireWorkerPolling, workflowTaskBacklog } from './task-queue-pollers';
import {
  changeScheduleUpdate,
  eventTypeSearchAttribute,
  FailureType,
  nextDeliverySearchAttribute,
  redriveDeliveryUpdate,
  refreshScheduleSignal,
  scheduleStateQuery,
  userIdSearchAttribute,
  type YearlyGreetingInput,
} from '../workflows/definitions';
import { yearlyGreetingWorkflow } from '../workflows/yearly-greeting';

export interface GreetingWorkflowSettings {
  taskQueue: string;
  /** How long one call to Temporal may take before the API gives up and answers 503. */
  callTimeoutMs: number;
}

/** The workflow refused a change or a re-drive in its validator; nothing was changed. */
export class WorkflowRejectedError extends Error {
  override name = 'WorkflowRejectedError';
}

/** The user's workflow cannot plan the schedule Postgres holds (e.g. a zone the worker's tz data lacks). */
export class ScheduleUnplannableError extends Error {
  override name = 'ScheduleUnplannableError';
}

/** The user's workflow could not plan for a passing reason (its database unreachable) and retries on its own. */
export class PlanUnavailableError extends Error {
  override name = 'PlanUnavailableError';
}

/** The user's workflow is not running (it will be started by the reconciler). */
export class WorkflowNotRunningError extends Error {
  override name = 'WorkflowNotRunningError';
}

/** The user's workflow found the user deleted (a DELETE raced this call) and ends; nothing was changed. */
export class UserDeletedError extends Error {
  override name = 'UserDeletedError';
}

/**
 * Temporal did not answer in time (down, unreachable, or a deadline passed while the workers work through a
 * backlog); nothing was changed, and asking again later may succeed.
 */
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

function unavailable(step: string, cause: unknown): TemporalUnavailableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TemporalUnavailableError(`Temporal did not answer while ${step}: ${reason}`, { cause });
}

/**
 * The service's side of each user's yearly workflows, one per event type the user has: start one, change it, ask
 * it, re-drive it, stop it.
 */
export class GreetingWorkflows {
  constructor(
    private readonly client: Client,
    private readonly settings: GreetingWorkflowSettings,
  ) {}

  /**
   * Starts the user's workflow; a retried call finds the one already running. With `plan` (the create's first plan,
   * already armed), the run starts with it and is listed by its next delivery from the first moment.
   */
  async start(
    user: User,
    eventType: EventType,
    plan?: PlannedOccurrence,
    options: { startDelayMs?: number } = {},
  ): Promise<void> {
    const { startDelayMs = 0 } = options;
    await this.withDeadline(() =>
      this.client.workflow.start(yearlyGreetingWorkflow, {
        // A run started with its plan (see startDelayMsOf) waits this long before its first workflow task.
        ...(startDelayMs > 0 && { startDelay: startDelayMs }),
        workflowId: workflowIdFor(user.id, eventType),
        taskQueue: this.settings.taskQueue,
        args: [{ ...inputFor(user, eventType), ...(plan && { plan }) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // Findable in the Web UI from the first moment; a run that plans itself adds the next delivery instant.
        typedSearchAttributes: [
          { key: userIdSearchAttribute, value: user.id },
          { key: eventTypeSearchAttribute, value: eventType },
          ...(plan ? [{ key: nextDeliverySearchAttribute, value: new Date(plan.epochMs) }] : []),
        ],
        staticSummary: runSummary(eventType, user.id),
        ...(plan &&
          startDelayMs > 0 && {
            staticDetails: delayedStartDetails(
              plan,
              plan.timezone ?? user.timezone,
              new Date(Date.now() + startDelayMs),
            ),
          }),
      }),
    );
  }

  /**
   * Asks the running workflow of this event to plan again from the user's row (an Update carrying the event's date
   * and the zone just written, which its validator checks) and returns the new next delivery; a missing workflow is
   * started first. Only for an event the user has a date for.
   */
  async changeSchedule(user: User, eventType: EventType): Promise<NextDelivery> {
    const date = eventStrategy(eventType).dateOf(user);
    if (date === null) throw new Error(`user ${user.id} has no ${eventType} to schedule`);
    const update = () =>
      this.handle(user.id, eventType).executeUpdate(changeScheduleUpdate, {
        args: [{ date, timezone: user.timezone }],
      });
    try {
      return await this.withDeadline(update);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw fromUpdateFailure(error);
    }
    await this.start(user, eventType);
    try {
      return await this.withDeadline(update);
    } catch (error) {
      throw fromUpdateFailure(error);
    }
  }

  /**
   * The occurrence the user's workflow waits for; null when it is not running. A closed run still answers queries
   * (a worker replays it), with a plan nobody will carry out: only a running one is asked. Right after the start the
   * first plan may not be made yet: asked again for a moment before giving up. A run that cannot plan says why.
   */
  async nextDelivery(userId: string, eventType: EventType): Promise<NextDelivery | null> {
    const deadline = Date.now() + this.settings.callTimeoutMs;
    let state: ScheduleState;
    try {
      const run = await this.withDeadline(() => this.handle(userId, eventType).describe());
      if (run.status.name !== 'RUNNING') return null;
      // Still in its start delay (a new run, or one the reconciler restored): no task has run to answer a query yet.
      if (run.historyLength === 1 && (run.executionTime?.getTime() ?? 0) > Date.now()) {
        return await this.startPlanOf(userId, eventType);
      }
      for (;;) {
        try {
          state = await this.withDeadline(() => this.handle(userId, eventType).query(scheduleStateQuery));
        } catch (error) {
          // Still in its start delay with signals waiting in its history (a pause's nudge): its start has the plan.
          if (notStartedYet(error)) return await this.startPlanOf(userId, eventType);
          throw error;
        }
        if (state.next || state.stage === 'unplannable' || state.stage === 'plan-retrying') break;
        if (Date.now() > deadline) {
          throw new Error(`the workflow has not planned its first delivery within ${this.settings.callTimeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw unavailable(`reading the next delivery of user ${userId}`, error);
    }
    if (state.next) return state.next;
    if (state.stage === 'unplannable') throw new ScheduleUnplannableError(state.problem ?? 'no plan can be made');
    throw new PlanUnavailableError(`the worker could not plan the next delivery and retries: ${state.problem}`);
  }

  /** Asks the workflow to send a failed or missed occurrence again; returns once the workflow has accepted. */
  async redrive(userId: string, eventType: EventType, occurrenceYear: number): Promise<void> {
    let update: WorkflowUpdateHandle<unknown>;
    try {
      update = await this.withDeadline(() =>
        this.handle(userId, eventType).startUpdate(redriveDeliveryUpdate, {
          args: [{ occurrenceYear }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new WorkflowNotRunningError(`the workflow of user ${userId} is not running`);
      const failure = fromUpdateFailure(error);
      if (failure instanceof WorkflowRejectedError || failure instanceof UserDeletedError) throw failure;
      throw unavailable(`re-driving a delivery of user ${userId}`, error);
    }
    await this.throwIfRefused(update);
  }

  /** Cancels the user's workflow of this event; one that is already gone is fine. */
  async stop(userId: string, eventType: EventType): Promise<void> {
    try {
      await this.withDeadline(() => this.handle(userId, eventType).cancel());
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  /** Resolves once Temporal answers within the call timeout (the API's readiness check). */
  async checkReachable(): Promise<void> {
    await this.withDeadline(() => this.client.connection.workflowService.getSystemInfo({}));
  }

  /** Resolves once a worker polls the task queue for workflow and activity tasks (the API's readiness check). */
  async checkWorkerPolling(): Promise<void> {
    await this.withDeadline(() => requireWorkerPolling(this.client, this.settings.taskQueue));
  }

  /** Workflow tasks waiting for a worker on the task queue (see workflowTaskBacklog). */
  workflowTaskBacklog(): Promise<number> {
    return this.withDeadline(() => workflowTaskBacklog(this.client, this.settings.taskQueue));
  }

  /**
   * startUpdate does not throw when the validator refuses: it answers with a handle that already holds the refusal.
   * Its result is read under a deadline already past, so a refusal is thrown at once, without a call to Temporal,
   * while the result of an accepted Update still running is not waited for (the one poll for it fails at once).
   */
  private async throwIfRefused(update: WorkflowUpdateHandle<unknown>): Promise<void> {
    try {
      await this.client.connection.withDeadline(Date.now(), () => update.result());
    } catch (error) {
      const failure = fromUpdateFailure(error);
      if (failure instanceof WorkflowRejectedError) throw failure;
    }
  }

  /** The plan a run was started with (null without one), read from its first event. */
  private async startPlanOf(userId: string, eventType: EventType): Promise<NextDelivery | null> {
    const history = await this.withDeadline(() => this.handle(userId, eventType).fetchHistory());
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = payload ? defaultPayloadConverter.fromPayload<YearlyGreetingInput>(payload) : undefined;
    return input?.plan ? nextDeliveryOf(input.plan, eventType, input.plan.timezone ?? '') : null;
  }

  private handle(userId: string, eventType: EventType) {
    return this.client.workflow.getHandle<typeof yearlyGreetingWorkflow>(workflowIdFor(userId, eventType));
  }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.settings.callTimeoutMs, call);
  }

  /**
   * Asks the user's workflow to plan again from Postgres (the `refreshSchedule` signal), after a change the API has
   * already saved (a pause, a resume). Only a nudge: the workflow writes nothing back, so a signal delivered late can
   * never undo a newer change.
   */
  async refresh(userId: string, eventType: EventType): Promise<void> {
    await this.signalUser(userId, `asking the ${eventType} run to plan again`, () =>
      this.handle(userId, eventType).signal(refreshScheduleSignal),
    );
  }

  private async signalUser(userId: string, step: string, signal: () => Promise<void>): Promise<void> {
    try {
      await this.withDeadline(signal);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new WorkflowNotRunningError(`the workflow of user ${userId} is not running`, { cause: error });
      }
      throw unavailable(`${step} the workflow of user ${userId}`, error);
    }
  }
}

/** Only whose greeting it is: the workflow plans from the user's row and the worker's settings. */
function inputFor(user: User, eventType: EventType): YearlyGreetingInput {
  return { userId: user.id, eventType };
}

/**
 * An Update's failure, told apart by its ApplicationFailure type: a validator's refusal becomes a
 * WorkflowRejectedError, a schedule the workflow cannot plan a ScheduleUnplannableError, a deleted user a
 * UserDeletedError; anything else (Temporal unreachable, a plan that failed for a passing reason, a failure type
 * this code does not know) passes unchanged.
 */
function fromUpdateFailure(error: unknown): unknown {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return error;
  switch (error.cause.type) {
    case FailureType.InvalidUpdate:
      return new WorkflowRejectedError(error.cause.message, { cause: error });
    case FailureType.Unplannable:
      return new ScheduleUnplannableError(error.cause.message, { cause: error });
    case FailureType.UserDeleted:
      return new UserDeletedError(error.cause.message, { cause: error });
    default:
      return error;
  }
}

/** gRPC's status code for a call the target's state does not allow yet. */
const FAILED_PRECONDITION = 9;

/** A query to a run still in its start delay: no workflow task has run to answer it. */
function notStartedYet(error: unknown): boolean {
  const cause = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(cause) && Number(cause.code) === FAILED_PRECONDITION;
}
