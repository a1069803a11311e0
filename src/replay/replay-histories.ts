import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

/** One run's history and what to call it in the report (a file name, or a workflow and run id). */
export interface NamedHistory {
  label: string;
  workflowId: string;
  history: History;
}

export type ReplayVerdict =
  | { label: string; outcome: 'ok' }
  /** The code makes different decisions than the history recorded: deploying it would break such workflows. */
  | { label: string; outcome: 'nondeterministic'; reason: string }
  /** The replay failed another way (the workflow threw, unknown workflow type, ...). */
  | { label: string; outcome: 'failed'; reason: string };

/** Which workflow code to replay against: a folder or file to bundle (the service's `src/workflows` by default), or a bundle. */
export type WorkflowCode = Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle'>;

export const SERVICE_WORKFLOWS: WorkflowCode = { workflowsPath: require.resolve('../workflows') };

/**
 * Replays each history against the workflow code, one after the other in one replay worker, and yields a verdict
 * per history in the same order.
 */
export async function* replayHistories(
  histories: Iterable<NamedHistory> | AsyncIterable<NamedHistory>,
  code: WorkflowCode = SERVICE_WORKFLOWS,
): AsyncGenerator<ReplayVerdict> {
  // The replay worker reports workflow and run ids only; the labels follow the same order.
  const labels: string[] = [];
  const undecided: string[] = [];
  async function* feed() {
    for await (const { label, workflowId, history } of histories) {
      // A run whose first workflow task never completed (it continued as new just before its worker stopped) has
      // decided nothing, so no code can disagree with it; the replay worker would wait for ever on it.
      if (!history.events?.some((event) => event.workflowTaskCompletedEventAttributes)) {
        undecided.push(label);
        continue;
      }
      labels.push(label);
      yield { workflowId, history };
    }
  }
  for await (const result of Worker.runReplayHistories({ ...code, replayName: 'yearly-greetings-replay' }, feed())) {
    for (const label of undecided.splice(0)) yield { label, outcome: 'ok' };
    const label = labels.shift() ?? result.workflowId;
    if (!result.error) yield { label, outcome: 'ok' };
    else if (result.error instanceof DeterminismViolationError)
      yield { label, outcome: 'nondeterministic', reason: result.error.message };
    else yield { label, outcome: 'failed', reason: result.error.message };
  }
  for (const label of undecided.splice(0)) yield { label, outcome: 'ok' };
}
