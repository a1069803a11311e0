import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import type { User } from '../db/users';
import { workflowIdFor } from '../greetings/ids';
import type { EventType } from '../greetings/message';
import { runSummary } from '../greetings/run-description';
import type { LeapDayPolicy } from '../time/next-occurrence';
import {
  changeScheduleUpdate,
  eventTypeSearchAttribute,
  nextDeliveryQuery,
  redriveDeliveryUpdate,
  userIdSearchAttribute,
  type NextDelivery,
  type YearlyGreetingInput,
} from '../workflows/definitions';
import { yearlyGreetingWorkflow } from '../workflows/yearly-greeting';

export interface GreetingWorkflowSettings {
  taskQueue: string;
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** How long one call to Temporal may take before the API gives up and answers 503. */
  callTimeoutMs: number;
}

/** The workflow refused a change or a re-drive in its validator; nothing was changed. */
export class WorkflowRejectedError extends Error {
  override name = 'WorkflowRejectedError';
}

/** The user's workflow is not running (it will be started by the reconciler). */
export class WorkflowNotRunningError extends Error {
  override name = 'WorkflowNotRunningError';
}

const EVENT: EventType = 'birthday';

/** The service's side of each user's yearly workflow: start it, change it, ask it, re-drive it, stop it. */
export class GreetingWorkflows {
  constructor(
    private readonly client: Client,
    private readonly settings: GreetingWorkflowSettings,
  ) {}

  /** Starts the user's workflow; a retried call finds the one already running. */
  async start(user: User): Promise<void> {
    await this.withDeadline(() =>
      this.client.workflow.start(yearlyGreetingWorkflow, {
        workflowId: workflowIdFor(user.id, EVENT),
        taskQueue: this.settings.taskQueue,
        args: [this.inputFor(user)],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // Findable in the Web UI from the first moment; the workflow adds the next delivery instant once planned.
        typedSearchAttributes: [
          { key: userIdSearchAttribute, value: user.id },
          { key: eventTypeSearchAttribute, value: EVENT },
        ],
        staticSummary: runSummary(EVENT, user.id),
      }),
    );
  }

  /**
   * Gives the running workflow the user's date and zone through an Update and returns the new next delivery; a
   * missing workflow is started with them first.
   */
  async changeSchedule(user: User): Promise<NextDelivery> {
    const update = () =>
      this.handle(user.id).executeUpdate(changeScheduleUpdate, {
        args: [{ date: user.birthday, timezone: user.timezone }],
      });
    try {
      return await this.withDeadline(update);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw rejected(error);
    }
    await this.start(user);
    try {
      return await this.withDeadline(update);
    } catch (error) {
      throw rejected(error);
    }
  }

  /**
   * The occurrence the user's workflow waits for; null when it is not running. Right after the start the first plan
   * may not be made yet: asked again for a moment before giving up.
   */
  async nextDelivery(userId: string): Promise<NextDelivery | null> {
    const deadline = Date.now() + this.settings.callTimeoutMs;
    for (;;) {
      try {
        return await this.withDeadline(() => this.handle(userId).query(nextDeliveryQuery));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        const stillPlanning = error instanceof Error && /still being planned/.test(String(error.cause ?? error.message));
        if (!stillPlanning || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Asks the workflow to send a failed or missed occurrence again; returns once the workflow has accepted. */
  async redrive(userId: string, occurrenceYear: number): Promise<void> {
    try {
      await this.withDeadline(() =>
        this.handle(userId).startUpdate(redriveDeliveryUpdate, {
          args: [{ occurrenceYear }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new WorkflowNotRunningError(`the workflow of user ${userId} is not running`);
      throw rejected(error);
    }
  }

  /** Cancels the user's workflow; one that is already gone is fine. */
  async stop(userId: string): Promise<void> {
    try {
      await this.withDeadline(() => this.handle(userId).cancel());
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  private handle(userId: string) {
    return this.client.workflow.getHandle<typeof yearlyGreetingWorkflow>(workflowIdFor(userId, EVENT));
  }

  private inputFor(user: User): YearlyGreetingInput {
    return {
      userId: user.id,
      eventType: EVENT,
      schedule: { date: user.birthday, timezone: user.timezone },
      deliveryTime: this.settings.deliveryTime,
      ...(this.settings.leapDayPolicy ? { leapDayPolicy: this.settings.leapDayPolicy } : {}),
    };
  }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.settings.callTimeoutMs, call);
  }
}

/** A validator's refusal becomes a WorkflowRejectedError; anything else (Temporal unreachable) passes unchanged. */
function rejected(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return new WorkflowRejectedError(cause, { cause: error });
  }
  return error;
}
