import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client';
import {
  claimDelivery,
  markDelivered,
  markFailed,
  markRejected,
  markRetryPending,
  reopenDelivery,
  type ClaimRequest,
  type OccurrenceKey,
} from '../db/ledger';
import type { DeliveryOutcome } from '../domain/delivery-outcome';
import type { EventType } from '../domain/event-type';
import { greetingPayload } from '../greetings/message';
import { idempotencyKeyFor } from '../greetings/ids';
import { FailureType } from '../workflows/definitions';
import { reportDelivery, statusClass, type DeliveryObservers, type DeliveryReport } from './delivery-report';
import { withAttemptLifetime } from './attempt-lifetime';
import { attemptLeaseMs, describeAnswer, verdictOn } from './webhook-answer';
import { postWebhook } from './webhook-client';
import type { WebhookSigner } from './webhook-signature';

/** `log` and `metrics` receive every attempt's outcome. */
export interface DeliveryDependencies extends DeliveryObservers {
  db: Db;
  webhookUrl: string;
  /** WEBHOOK_SECRET: every POST is signed (Standard Webhooks). */
  webhookSigner: WebhookSigner;
  webhookTimeoutMs: number;
  /** How late a delivery may start and still be sent; later ones are recorded as missed. Null: no limit. */
  maxLatenessMs: number | null;
  /** Aborts when the worker's shutdown grace time is over (see shutdownGrace): an attempt then cuts its POST short. */
  shutdownGraceOver?: AbortSignal;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface DeliverGreetingInput {
  userId: string;
  eventType: EventType;
  occurrenceYear: number;
  /** `YYYY-MM-DD`, the civil date in the user's zone. */
  occurrenceDate: string;
  /** UTC ISO instant the message was due. */
  scheduledAt: string;
  workflowId: string;
  runId: string;
}

export interface RedeliverGreetingInput extends OccurrenceKey {
  workflowId: string;
  runId: string;
}

export interface RecordFailureInput extends OccurrenceKey {
  reason: string;
}

type AttemptRequest = Omit<ClaimRequest, 'idempotencyKey' | 'inFlightLeaseMs'>;

export function createDeliveryActivities(deps: DeliveryDependencies) {
  const now = deps.now ?? (() => new Date());
  const inFlightLeaseMs = attemptLeaseMs(deps.webhookTimeoutMs);

  /** Reports the attempt (log line and metrics) and hands its outcome back to the workflow. */
  function settle(outcome: DeliveryOutcome, report: AttemptReport): DeliveryOutcome {
    reportDelivery(deps, { ...report, outcome: outcome.outcome, deliveryId: outcome.deliveryId });
    return outcome;
  }

  /** One attempt, heartbeating: claim the ledger row, call the webhook, record what happened. */
  function attempt(request: AttemptRequest): Promise<DeliveryOutcome> {
    return withAttemptLifetime((workerShutdown) => attemptOnce(request, workerShutdown), deps.shutdownGraceOver);
  }

  async function attemptOnce(request: AttemptRequest, workerShutdown: AbortSignal): Promise<DeliveryOutcome> {
    const idempotencyKey = idempotencyKeyFor(request.userId, request.eventType, request.occurrenceYear);
    const report = attemptReport(request);
    const claim = await claimDelivery(deps.db, { ...request, idempotencyKey, inFlightLeaseMs }, now());
    switch (claim.kind) {
      case 'already-delivered':
        return settle(
          {
            outcome: 'already-delivered',
            deliveryId: claim.deliveryId,
            by: claim.by,
            deliveredAt: claim.deliveredAt,
            latenessMs: claim.latenessMs,
          },
          report,
        );
      case 'user-deleted':
        return settle({ outcome: 'user-deleted', deliveryId: claim.deliveryId }, report);
      case 'missed':
        return settle(
          { outcome: 'missed', deliveryId: claim.deliveryId, latenessMs: claim.latenessMs },
          { ...report, latenessMs: claim.latenessMs },
        );
      case 'skipped':
        return settle({ outcome: 'skipped', deliveryId: claim.deliveryId, reason: claim.reason }, report);
      case 'closed':
        return settle({ outcome: 'closed', deliveryId: claim.deliveryId, status: claim.status }, report);
      case 'in-flight':
        reportDelivery(deps, { ...report, outcome: 'in-flight', deliveryId: claim.deliveryId });
        throw ApplicationFailure.retryable(
          `another attempt is sending delivery ${claim.deliveryId}`,
          FailureType.DeliveryInFlight,
        );
    }

    const stopTimer = deps.metrics.webhookDuration.startTimer();
    const response = await postWebhook(
      {
        url: deps.webhookUrl,
        idempotencyKey,
        signer: deps.webhookSigner,
        timeoutMs: deps.webhookTimeoutMs,
        signal: workerShutdown,
        payload: greetingPayload({ ...request, deliveryId: claim.deliveryId, idempotencyKey }, claim.recipient),
      },
      deps.fetch,
    );
    const responseStatus = response.kind === 'answered' ? response.status : null;
    const answered = {
      ...report,
      deliveryId: claim.deliveryId,
      statusCode: responseStatus,
      webhookLatencyMs: Math.round(stopTimer({ status_class: statusClass(response) }) * 1000),
      latenessMs: claim.latenessMs,
    };

    const summary = describeAnswer(response, Context.current().info.attempt);
    const verdict = verdictOn(response, claim.attempt);
    if (verdict.result === 'delivered') {
      await markDelivered(deps.db, claim.deliveryId, { responseStatus, error: null }, now());
      return settle(
        {
          outcome: 'delivered',
          deliveryId: claim.deliveryId,
          responseStatus: responseStatus!,
          attempt: claim.attempt,
          latenessMs: claim.latenessMs,
        },
        answered,
      );
    }
    if (verdict.result === 'rejected') {
      await markRejected(deps.db, claim.deliveryId, claim.attempt, { responseStatus, error: summary });
      reportDelivery(deps, { ...answered, outcome: 'rejected', error: summary });
      throw ApplicationFailure.nonRetryable(summary, FailureType.WebhookRejected);
    }
    await markRetryPending(
      deps.db,
      claim.deliveryId,
      claim.attempt,
      { responseStatus, error: summary },
      verdict.retryAfterMs,
    );
    reportDelivery(deps, { ...answered, outcome: 'unavailable', error: summary });
    const retryAfterMs = response.kind === 'answered' ? response.retryAfterMs : null;
    throw ApplicationFailure.create({
      message: summary,
      type: FailureType.WebhookUnavailable,
      // The receiver said when to come back (429/503 Retry-After): honour it instead of the backoff, within the
      // policy's bounds (a 0 s answer must not become a loop of attempts inside one workflow task).
      nextRetryDelay: retryAfterMs === null ? undefined : verdict.retryAfterMs,
    });
  }

  return {
    /**
     * Sends one occurrence's greeting at most once per attempt and never after a success, a deletion, while the user
     * is paused (recorded as skipped), or once it is later than the lateness limit. Idempotency key: (user, event type, occurrence year), also sent to the receiver
     * as `Idempotency-Key`.
     */
    async deliverGreeting(input: DeliverGreetingInput): Promise<DeliveryOutcome> {
      return attempt({ ...input, maxLatenessMs: deps.maxLatenessMs });
    },

    /**
     * An operator's re-drive of a failed, missed or skipped occurrence: reopens its ledger row and sends it, however
     * late (unless the user is still paused: skipped again).
     * Same idempotency key as the first try, and a delivered row stays a no-op.
     */
    async redeliverGreeting(input: RedeliverGreetingInput): Promise<DeliveryOutcome> {
      const { workflowId, runId, ...key } = input;
      const row = await reopenDelivery(deps.db, key);
      if (!row) return settle({ outcome: 'not-found', deliveryId: null }, attemptReport(key));
      return attempt({
        ...key,
        occurrenceDate: row.occurrenceDate,
        scheduledAt: row.scheduledAt,
        workflowId,
        runId,
        maxLatenessMs: null,
      });
    },

    /** Records an occurrence as failed once the workflow has given up on it; a delivered row stays delivered. */
    async recordDeliveryFailure(input: RecordFailureInput): Promise<void> {
      const { reason, ...key } = input;
      await markFailed(deps.db, key, { responseStatus: null, error: reason });
      reportDelivery(deps, { ...attemptReport(key), outcome: 'failed', error: reason });
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

type AttemptReport = Omit<DeliveryReport, 'outcome'>;

/** What every line about this attempt carries: the workflow run it serves, the occurrence, the attempt number. */
function attemptReport(key: OccurrenceKey): AttemptReport {
  const { workflowExecution, attempt } = Context.current().info;
  return {
    workflowId: workflowExecution?.workflowId ?? null,
    runId: workflowExecution?.runId ?? null,
    userId: key.userId,
    eventType: key.eventType,
    occurrenceYear: key.occurrenceYear,
    attempt,
  };
}
