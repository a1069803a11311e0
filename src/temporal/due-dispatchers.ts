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
 * How far ahead the dispatch sweep starts dispatchers (each minute, src/workflows/dispatch-sweep.ts); an instant
 * armed closer than this is started by whoever arms it, one further away is left to the sweep. A create or a plan for
 * a day months away starts nothing: a dispatcher lives minutes, not months, and one a create starts would cost it a
 * second workflow.
 */
export const DISPATCH_SWEEP_HORIZON_MS = 15 * 60_000;

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

  /** The dispatcher of an instant just armed, when it is within the sweep's horizon (the sweep starts the others). */
  async ensure(dueAt: string): Promise<void> {
    const instant = new Date(dueAt).toISOString();
    if (this.ensured.has(instant) || Date.parse(instant) > Date.now() + DISPATCH_SWEEP_HORIZON_MS) return;
    await this.start(instant);
  }

  /** Starts the instant's dispatcher unless it is running: the sweep's call, which asks Temporal every time. */
  async start(dueAt: string): Promise<void> {
    const instant = new Date(dueAt).toISOString();
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
