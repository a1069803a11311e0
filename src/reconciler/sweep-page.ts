import type { Client } from '@temporalio/client';
import { armedOccurrencesOf } from '../db/armed-occurrences';
import type { Db } from '../db/client';
import { liveUsersAfter, type User } from '../db/users';
import { eventTypeNames, type EventType } from '../domain/event-type';
import { eventStrategy, eventTypesOf } from '../greetings/events';
import type { PlanSettings } from '../greetings/first-plan';
import { userRunOf, workflowIdFor } from '../greetings/ids';
import { restoredRunOf, type RestoredRun } from '../greetings/delayed-start';
import { replanOnNewerZoneData } from './newer-zone-data';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';

export interface SweepPageDependencies {
  db: Db;
  client: Client;
  workflows: Pick<GreetingWorkflows, 'start' | 'stop' | 'refresh'>;
  taskQueue: string;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
  /** Starts and cancels in flight at once: a sweep after Temporal's store was lost starts every run. */
  concurrency?: number;
  /**
   * The workers' plan settings: a missing run whose next occurrence is armed starts with it and waits in a start
   * delay until shortly before it (restoredRunOf). Unset: every missing run starts now and plans for itself.
   */
  planSettings?: PlanSettings;
  now?: () => Date;
}

/** What one page of the full sweep looked at and did. */
export interface SweepPageResult {
  /** The last user id of this page: the next page starts after it; null when this page reached the end. */
  nextAfter: string | null;
  /** Live users compared with their runs. */
  users: number;
  /** Runs visibility listed in the page's range of user ids. */
  runs: number;
  /** Runs started for an event of a live user that had none. */
  started: number;
  /** Runs cancelled: their user is deleted or unknown, or no longer has that event. */
  cancelled: number;
  /** Armed greetings whose instant moved under this worker's newer time-zone data: re-armed, their runs re-planned. */
  moved: number;
  /** Starts, cancels or re-plans that failed (Temporal down); the next sweep tries again. */
  failed: number;
  /** Calls to Postgres and to Temporal's visibility this page made (the sweep's cost at rest). */
  queries: number;
}

const WORKFLOW_TYPE = 'yearlyGreetingWorkflow';
const DEFAULT_CONCURRENCY = 32;

/**
 * One page of the full sweep: the next `pageSize` live users by id after `after`, and the running greeting
 * workflows whose user id falls in the same range of ids (from just after `after` to this page's last id; the last
 * page's range runs to the end). Every user id, live or not, falls in exactly one page's range, so an orphan run is
 * seen once and a user is nudged at most once a sweep. A user flagged for the quick pass (a change the API is still
 * confirming) is left to it. Every step is idempotent: a page retried after a crash does no harm.
 */
export async function sweepPage(
  deps: SweepPageDependencies,
  page: { after: string | null; pageSize: number },
): Promise<SweepPageResult> {
  const users = await liveUsersAfter(deps.db, page.after, page.pageSize);
  const last = users[users.length - 1];
  const upTo = users.length === page.pageSize && last ? last.user.id : null;
  const running = await runningInRange(deps, page.after, upTo);
  const result: SweepPageResult = {
    nextAfter: upTo,
    users: users.length,
    runs: running.runs.length,
    started: 0,
    cancelled: 0,
    moved: 0,
    failed: 0,
    queries: 1 + running.calls,
  };

  const live = new Map(users.map((entry) => [entry.user.id, entry]));
  const runningIds = new Set(running.runs.map(({ userId, eventType }) => workflowIdFor(userId, eventType)));
  const missing: { user: User; eventType: EventType }[] = [];
  for (const { user, flagged } of users) {
    if (flagged) continue;
    for (const eventType of eventTypesOf(user)) {
      if (!runningIds.has(workflowIdFor(user.id, eventType))) missing.push({ user, eventType });
    }
  }
  const fixes: (() => Promise<void>)[] = [];
  const { planSettings } = deps;
  const armed =
    missing.length > 0 && planSettings ? await armedOfPage(deps, missing, result) : new Map<string, Armed>();
  const nowMs = (deps.now ?? (() => new Date()))().getTime();
  for (const { user, eventType } of missing) {
    const occurrence = armed.get(`${user.id}/${eventType}`);
    const restored =
      occurrence && planSettings ? restoredRunOf(user, eventType, occurrence, planSettings, nowMs) : null;
    fixes.push(() => startMissing(deps, user, eventType, restored, result));
  }
  for (const run of running.runs) {
    const entry = live.get(run.userId);
    if (entry?.flagged) continue;
    if (entry && eventStrategy(run.eventType).dateOf(entry.user) !== null) continue;
    fixes.push(() => cancelOrphan(deps, run, result));
  }
  await inParallel(fixes, deps.concurrency ?? DEFAULT_CONCURRENCY);
  if (deps.planSettings) {
    const inStep = users
      .filter(({ flagged, user }) => !flagged && !user.pause)
      .map(({ user }) => [user.id, user] as const);
    const zoneData = await replanOnNewerZoneData({ ...deps, planSettings: deps.planSettings }, new Map(inStep));
    result.moved += zoneData.moved;
    result.failed += zoneData.failed;
    result.queries += zoneData.queries;
  }
  return result;
}

type Armed = { occurrenceYear: number; scheduledAt: Date };

/** The armed occurrences of the page's users that miss a run: one query. */
async function armedOfPage(
  deps: SweepPageDependencies,
  missing: { user: User }[],
  result: SweepPageResult,
): Promise<Map<string, Armed>> {
  result.queries += 1;
  return armedOccurrencesOf(deps.db, [...new Set(missing.map(({ user }) => user.id))]);
}

async function startMissing(
  deps: SweepPageDependencies,
  user: User,
  eventType: EventType,
  restored: RestoredRun | null,
  result: SweepPageResult,
): Promise<void> {
  const workflowId = workflowIdFor(user.id, eventType);
  try {
    // Visibility lags a little: a run started a moment ago may be missing from its answer. USE_EXISTING finds it.
    await deps.workflows.start(user, eventType, restored?.plan, { startDelayMs: restored?.startDelayMs });
    result.started += 1;
    deps.log.info('reconciler started the workflow of a user event that had none', { userId: user.id, workflowId });
  } catch (error) {
    result.failed += 1;
    deps.log.warn('reconciler could not start a workflow', { userId: user.id, workflowId, error: String(error) });
  }
}

async function cancelOrphan(deps: SweepPageDependencies, run: GreetingRun, result: SweepPageResult): Promise<void> {
  try {
    await deps.workflows.stop(run.userId, run.eventType);
    result.cancelled += 1;
    deps.log.info('reconciler cancelled the workflow of a deleted user or a removed event', { ...run });
  } catch (error) {
    result.failed += 1;
    deps.log.warn('reconciler could not cancel a workflow', { ...run, error: String(error) });
  }
}

/** Runs the tasks, at most `limit` at a time; each task handles its own failure. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
}

/** One greeting workflow: whose, and of which event. */
type GreetingRun = NonNullable<ReturnType<typeof userRunOf>>;

/**
 * The running greeting workflows of this task queue whose user id is after `after` (all, if null) and at most `upTo`
 * (no bound, if null): one range of workflow ids per event type, as user ids are UUIDs behind a fixed prefix.
 */
async function runningInRange(
  deps: SweepPageDependencies,
  after: string | null,
  upTo: string | null,
): Promise<{ runs: GreetingRun[]; calls: number }> {
  const runs: GreetingRun[] = [];
  let calls = 0;
  for (const eventType of eventTypeNames) {
    // 'g' sorts after every hex digit: `<event>-g` is past the last UUID of the event, whatever the collation.
    const from = `WorkflowId > '${eventType}-${after ?? ''}'`;
    const to = `WorkflowId ${upTo ? '<=' : '<'} '${eventType}-${upTo ?? 'g'}'`;
    const query =
      `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${deps.taskQueue}' ` +
      `AND ${from} AND ${to}`;
    let token: Uint8Array | undefined;
    do {
      const answer = await deps.client.workflowService.listWorkflowExecutions({
        namespace: deps.client.options.namespace,
        query,
        pageSize: LIST_PAGE,
        nextPageToken: token,
      });
      calls += 1;
      for (const execution of answer.executions) {
        const run = userRunOf(execution.execution?.workflowId ?? '');
        if (run) runs.push(run);
      }
      token = answer.nextPageToken?.length ? answer.nextPageToken : undefined;
    } while (token);
  }
  return { runs, calls };
}

/** Visibility's page size: a page of 1,000 users has up to 1,000 runs per event type. */
const LIST_PAGE = 1_000;
