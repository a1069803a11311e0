import { Client, Connection } from '@temporalio/client';
import { nextDeliverySearchAttribute } from '../src/workflows/definitions';

/** What the bench reads from Temporal: counts of runs by their search attributes, and histories. */
export class TemporalProbe {
  private constructor(
    private readonly connection: Connection,
    readonly client: Client,
  ) {}

  static async connect(address: string, namespace = 'default'): Promise<TemporalProbe> {
    const connection = await Connection.connect({ address });
    return new TemporalProbe(connection, new Client({ connection, namespace }));
  }

  /** Runs asleep with a plan after `instantMs`: a user whose greeting went out and whose next year is planned. */
  async runningPlannedAfter(instantMs: number): Promise<number> {
    // A day past the instant: the dev server counts a plan at the instant itself as `>` it (measured: three runs
    // planned at 13:19:08Z all matched `> '…13:19:08Z'`), which made every run count as settled while it still slept
    // on this year. Next year's plan is far beyond either bound.
    const after = new Date(instantMs + 86_400_000).toISOString();
    const query = `ExecutionStatus = 'Running' AND ${nextDeliverySearchAttribute.name} > '${after}'`;
    return (await this.client.workflow.count(query)).count;
  }

  /** Running runs that have made a plan (their next delivery is set). */
  async runningPlanned(): Promise<number> {
    const query = `ExecutionStatus = 'Running' AND ${nextDeliverySearchAttribute.name} IS NOT NULL`;
    return (await this.client.workflow.count(query)).count;
  }

  /** The number of history events of each run of a workflow, oldest run first, with each run's status. */
  async runHistories(workflowId: string): Promise<{ runId: string; status: string; events: number }[]> {
    const runs: { runId: string; status: string; startMs: number }[] = [];
    for await (const run of this.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs.push({ runId: run.runId, status: run.status.name, startMs: run.startTime.getTime() });
    }
    runs.sort((a, b) => a.startMs - b.startMs);
    const result = [];
    for (const run of runs) {
      const history = await this.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      result.push({ runId: run.runId, status: run.status, events: history.events?.length ?? 0 });
    }
    return result;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
