import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { HistoryInputError } from './history-json';
import type { NamedHistory } from './replay-histories';

const GRPC_NOT_FOUND = 5;

/**
 * Histories fetched from the server. With a run id: that run. Without: the current run, then each earlier run of its
 * continue-as-new chain (found through the start event's link to the run it continues), newest first, until the first
 * run or one the server no longer keeps (retention).
 */
export async function* historiesFromServer(
  client: Client,
  workflowId: string,
  runId?: string,
): AsyncGenerator<NamedHistory> {
  let nextRunId: string | undefined = runId ?? (await currentRunId(client, workflowId));
  let asked = true;
  while (nextRunId) {
    const history = await fetchRunHistory(client, workflowId, nextRunId, asked);
    if (!history) return;
    yield { label: `${workflowId} run ${nextRunId}`, workflowId, history };
    if (runId) return;
    asked = false;
    nextRunId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
}

async function currentRunId(client: Client, workflowId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound(client, workflowId);
    throw error;
  }
}

/** A run's history; a missing run is an input error when it is the one asked for, else the end of the chain. */
async function fetchRunHistory(client: Client, workflowId: string, runId: string, asked: boolean) {
  try {
    return await client.workflow.getHandle(workflowId, runId).fetchHistory();
  } catch (error) {
    if (!isGrpcServiceError(error) || Number(error.code) !== GRPC_NOT_FOUND) throw error;
    if (asked) throw notFound(client, workflowId, runId);
    return undefined;
  }
}

function notFound(client: Client, workflowId: string, runId?: string): HistoryInputError {
  const run = runId ? ` run ${runId}` : '';
  return new HistoryInputError(`no workflow ${workflowId}${run} in namespace ${client.options.namespace}`);
}
