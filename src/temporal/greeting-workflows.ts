import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { User } from '../db/users';
import { workflowIdFor } from '../greetings/ids';
import type { EventType } from '../greetings/message';
import { scheduleChangedSignal, yearlyGreetingWorkflow, type YearlyGreetingInput } from '../workflows/yearly-greeting';

export interface GreetingWorkflowSettings {
  taskQueue: string;
  deliveryTime: string;
  /** How long one call to Temporal may take before the API gives up and answers 503. */
  callTimeoutMs: number;
}

const EVENT: EventType = 'birthday';

/** The API's side of the user's yearly workflow: start it, tell it about changes, stop it. */
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
      }),
    );
  }

  /** Sends the new date and zone to the running workflow, starting it if it is missing. */
  async reschedule(user: User): Promise<void> {
    await this.withDeadline(() =>
      this.client.workflow.signalWithStart(yearlyGreetingWorkflow, {
        workflowId: workflowIdFor(user.id, EVENT),
        taskQueue: this.settings.taskQueue,
        args: [this.inputFor(user)],
        signal: scheduleChangedSignal,
        signalArgs: [{ date: user.birthday, timezone: user.timezone }],
      }),
    );
  }

  /** Cancels the user's workflow; one that is already gone is fine. */
  async stop(userId: string): Promise<void> {
    try {
      await this.withDeadline(() => this.client.workflow.getHandle(workflowIdFor(userId, EVENT)).cancel());
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  private inputFor(user: User): YearlyGreetingInput {
    return {
      userId: user.id,
      eventType: EVENT,
      schedule: { date: user.birthday, timezone: user.timezone },
      deliveryTime: this.settings.deliveryTime,
    };
  }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.settings.callTimeoutMs, call);
  }
}
