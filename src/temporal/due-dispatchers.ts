import type { Client } from '@temporalio/client';
import { dispatchSummary } from '../greetings/dispatch-description';
import { dispatchWorkflowIdFor } from '../greetings/ids';
import { dueDispatchWorkflow } from '../workflows/due-dispatch';

export interface DueDispatchSettings {
  taskQueue: string;
  /** DISPATCH_PASSES: activities claiming one instant's pages side by side. */
  passes: number;
  /** How long after its instant a dispatcher still waits for retries. */
  retryHorizonMs: number;
}

/**
 * Makes sure the dispatcher of a due instant exists: started once (a later call finds the running one and adds
 * nothing to it), asleep until the instant. A process remembers the instants it already saw, so a thousand plans
 * for one 09:00 cost it one call to Temporal.
 */
export class DueDispatchers {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly settings: DueDispatchSettings,
  ) {}

  async ensure(dueAt: string): Promise<void> {
    const instant = new Date(dueAt).toISOString();
    if (this.ensured.has(instant)) return;
    await this.client.workflow.start(dueDispatchWorkflow, {
      workflowId: dispatchWorkflowIdFor(instant),
      taskQueue: this.settings.taskQueue,
      args: [{ dueAt: instant, passes: this.settings.passes, retryHorizonMs: this.settings.retryHorizonMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: dispatchSummary(instant),
    });
    this.forgetPassed();
    this.ensured.add(instant);
  }

  /** Instants long past need no memory: their dispatchers are done or running. */
  private forgetPassed(): void {
    const dayAgo = Date.now() - 86_400_000;
    for (const instant of this.ensured) if (Date.parse(instant) < dayAgo) this.ensured.delete(instant);
  }
}
