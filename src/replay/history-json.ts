import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';

/** A history file that cannot be replayed as it is: not JSON, not a workflow history, or cut short. */
export class HistoryInputError extends Error {
  override name = 'HistoryInputError';
}

const FIRST_EVENT_TYPES = new Set(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'WorkflowExecutionStarted']);

/**
 * Reads a workflow history in proto JSON: what `temporal workflow show --output json` prints and what the SDK's
 * `historyToJSON` writes (both `{ "events": [...] }`, event types as `EVENT_TYPE_...` or `WorkflowExecutionStarted`).
 * `source` names the input in error messages.
 */
export function parseHistoryJson(text: string, source: string): History {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HistoryInputError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const events = typeof parsed === 'object' && parsed !== null ? (parsed as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) {
    throw new HistoryInputError(
      `${source}: not a workflow history: expected an object with an "events" array, as ` +
        '`temporal workflow show --output json` prints',
    );
  }
  const firstType = (events[0] as { eventType?: unknown } | undefined)?.eventType;
  if (typeof firstType !== 'string' || !FIRST_EVENT_TYPES.has(firstType)) {
    throw new HistoryInputError(
      `${source}: the history does not begin with WorkflowExecutionStarted (first event: ${JSON.stringify(firstType ?? null)}); ` +
        'export the whole history of one run',
    );
  }
  try {
    return historyFromJSON(parsed);
  } catch (error) {
    throw new HistoryInputError(
      `${source}: not a valid history: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The workflow id recorded in the start event (servers since 1.21 record it); replays run under that id. */
export function recordedWorkflowId(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || undefined;
}
