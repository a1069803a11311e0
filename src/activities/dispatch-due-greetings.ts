import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { armOccurrences, type ArmedOccurrence } from '../db/armed-occurrences';
import type { Db } from '../db/client';
import {
  claimDuePage,
  msUntilDue,
  nextClaimOf,
  settleDuePage,
  type ClaimedRow,
  type SettledAttempt,
} from '../db/due-dispatch';
import { countLateness, emptyTally, type DispatchTally } from '../domain/dispatch-tally';
import { armedRowOf } from '../greetings/armed-row';
import { greetingPayload } from '../greetings/message';
import { nextOccurrence, type LeapDayPolicy } from '../time/next-occurrence';
import { withAttemptLifetime } from './attempt-lifetime';
import { reportDelivery, statusClass, type DeliveryObservers } from './delivery-report';
import { attemptLeaseMs, describeAnswer, verdictOn } from './webhook-answer';
import { postWebhook } from './webhook-client';
import type { WebhookSigner } from './webhook-signature';

export interface DispatchDependencies extends DeliveryObservers {
  db: Db;
  webhookUrl: string;
  webhookSigner: WebhookSigner;
  webhookTimeoutMs: number;
  /** How late a greeting may go out; later ones are recorded as missed. Null: no limit. */
  maxLatenessMs: number | null;
  /** Rows claimed per statement, all POSTed at once. */
  pageSize: number;
  /** DELIVERY_TIME and LEAP_DAY_POLICY, to arm next year of each greeting delivered (as the user's run will plan it). */
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** Aborts when the worker's shutdown grace time is over: the page's POSTs are cut short and retried later. */
  shutdownGraceOver?: AbortSignal;
  fetch?: typeof fetch;
}

export interface DispatchPassInput {
  /** The instant whose rows this pass serves, UTC ISO. */
  dueAt: string;
}

export interface DispatchPassResult {
  tally: DispatchTally;
  /** How long until a row of the instant can be claimed again (a retry, a lapsed lease), or null when all settled. */
  nextClaimInMs: number | null;
}

export function createDispatchActivities(deps: DispatchDependencies) {
  const leaseMs = attemptLeaseMs(deps.webhookTimeoutMs);

  /** POSTs every row of the page at once over the process's keep-alive connections; never throws. */
  async function sendPage(rows: ClaimedRow[], signal: AbortSignal): Promise<SettledAttempt[]> {
    return Promise.all(
      rows.map(async (row): Promise<SettledAttempt> => {
        const stopTimer = deps.metrics.webhookDuration.startTimer();
        const response = await postWebhook(
          {
            url: deps.webhookUrl,
            idempotencyKey: row.idempotencyKey,
            signer: deps.webhookSigner,
            timeoutMs: deps.webhookTimeoutMs,
            signal,
            payload: greetingPayload(row, row),
          },
          deps.fetch,
        );
        const webhookLatencyMs = Math.round(stopTimer({ status_class: statusClass(response) }) * 1000);
        const verdict = verdictOn(response, row.attempt);
        const error = verdict.result === 'delivered' ? null : describeAnswer(response, row.attempt);
        const responseStatus = response.kind === 'answered' ? response.status : null;
        report(row, verdict.result === 'retry' ? 'unavailable' : verdict.result, {
          statusCode: responseStatus,
          error,
          webhookLatencyMs,
        });
        return {
          deliveryId: row.deliveryId,
          attempt: row.attempt,
          result: verdict.result,
          responseStatus,
          error,
          retryAfterMs: verdict.result === 'retry' ? verdict.retryAfterMs : 0,
        };
      }),
    );
  }

  function report(
    row: ClaimedRow,
    outcome: 'delivered' | 'rejected' | 'unavailable' | 'skipped' | 'missed' | 'user-deleted',
    extra: { statusCode?: number | null; error?: string | null; webhookLatencyMs?: number } = {},
  ): void {
    const { workflowExecution } = Context.current().info;
    reportDelivery(deps, {
      outcome,
      workflowId: workflowExecution?.workflowId ?? null,
      runId: workflowExecution?.runId ?? null,
      userId: row.userId,
      eventType: row.eventType,
      occurrenceYear: row.occurrenceYear,
      attempt: row.attempt,
      deliveryId: row.deliveryId,
      latenessMs: row.latenessMs,
      ...extra,
    });
  }

  return {
    /**
     * One pass over an instant's due rows: claim a page, POST it, settle it, until no row is claimable now. Several
     * passes (activities, workers) may serve one instant side by side: each claim skips the rows another holds.
     * Idempotency key per row: (user, event type, occurrence year), the same a user's own run sends.
     */
    async dispatchDueGreetings(input: DispatchPassInput): Promise<DispatchPassResult> {
      return withAttemptLifetime((workerShutdown) => dispatchPass(input, workerShutdown), deps.shutdownGraceOver);
    },
  };

  async function dispatchPass(input: DispatchPassInput, workerShutdown: AbortSignal): Promise<DispatchPassResult> {
    const context = Context.current();
    const { workflowExecution } = context.info;
    const tally = emptyTally();
    await waitForTheInstant(input.dueAt, workerShutdown);
    for (;;) {
      context.heartbeat(tally);
      const page = await claimDuePage(deps.db, {
        dueAt: input.dueAt,
        pageSize: deps.pageSize,
        workflowId: workflowExecution?.workflowId ?? '',
        runId: workflowExecution?.runId ?? '',
        leaseMs,
        maxLatenessMs: deps.maxLatenessMs,
      });
      if (page.length === 0) break;
      const toSend = page.filter((row) => row.status === 'sending');
      for (const row of page) {
        if (row.status !== 'sending') report(row, row.status === 'cancelled' ? 'user-deleted' : row.status);
      }
      const settled = await sendPage(toSend, workerShutdown);
      // A year recorded delivered has its next year armed with it: no reader sees one without the other.
      await deps.db.$transaction(async (tx) => {
        await settleDuePage(tx, settled);
        await armOccurrences(tx, nextYearsOf(page, settled, deps));
      });
      addTally(tally, page, settled);
    }
    return { tally, nextClaimInMs: await nextClaimOf(deps.db, input.dueAt, leaseMs) };
  }

  /**
   * A pass started ahead of its instant (the dispatcher starts them early, so a timer, a workflow task and an activity
   * task are not between the instant and the first POST) waits here until the database's clock says it has come.
   */
  async function waitForTheInstant(dueAt: string, workerShutdown: AbortSignal): Promise<void> {
    let waitMs = await msUntilDue(deps.db, dueAt);
    if (waitMs > 0) await warmUpSending();
    for (; waitMs > 0; waitMs = await msUntilDue(deps.db, dueAt)) {
      await sleep(waitMs, undefined, { signal: workerShutdown });
    }
  }

  /**
   * Runs the sending code once with nothing sent (the process's first fetch loads and compiles its HTTP client, tens
   * of ms on the first page otherwise): a `data:` URL, and a signature of an empty body.
   */
  async function warmUpSending(): Promise<void> {
    try {
      deps.webhookSigner.headers('warm-up', '{}', new Date());
      await (await fetch('data:application/json,{}')).text();
    } catch {
      // Only a head start: the first page sends all the same.
    }
  }
}

/**
 * Next year of each greeting the page delivered, as the user's run will plan it: armed at once, so the ledger and
 * GET next-delivery show it while the run still sleeps until its moment to confirm.
 */
function nextYearsOf(
  page: ClaimedRow[],
  settled: SettledAttempt[],
  settings: { deliveryTime: string; leapDayPolicy?: LeapDayPolicy },
): ArmedOccurrence[] {
  const delivered = new Set(settled.filter((attempt) => attempt.result === 'delivered').map((a) => a.deliveryId));
  const armed: ArmedOccurrence[] = [];
  for (const row of page) {
    if (!delivered.has(row.deliveryId)) continue;
    try {
      const next = nextOccurrence({
        date: row.eventDate,
        timezone: row.timezone,
        deliveryTime: settings.deliveryTime,
        leapDayPolicy: settings.leapDayPolicy,
        nowMs: Date.parse(row.scheduledAt) + 1,
        notBeforeYear: row.occurrenceYear + 1,
      });
      armed.push(armedRowOf(row.userId, row.eventType, next));
    } catch {
      // A schedule this worker cannot plan: the user's run says so when it plans.
    }
  }
  return armed;
}

/** Adds a settled page to the tally: what the claim decided, and how each attempt sent ended. */
function addTally(tally: DispatchTally, page: ClaimedRow[], settled: SettledAttempt[]): void {
  tally.claimed += page.length;
  for (const row of page) {
    if (row.status === 'sending') countLateness(tally, row.latenessMs);
    else tally[row.status] += 1;
  }
  for (const attempt of settled) {
    if (attempt.result === 'delivered') tally.delivered += 1;
    else if (attempt.result === 'rejected') tally.failed += 1;
    else tally.retrying += 1;
  }
}

export type DispatchActivities = ReturnType<typeof createDispatchActivities>;
