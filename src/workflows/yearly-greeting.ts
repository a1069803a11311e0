import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { deliverySummary, runDetails, sleepSummary } from '../greetings/run-description';
import { isValidCalendarDate, isValidTimezone, type Occurrence } from '../time/next-occurrence';
import {
  changeScheduleUpdate,
  eventTypeSearchAttribute,
  FailureType,
  nextDeliveryQuery,
  nextDeliverySearchAttribute,
  redriveDeliveryUpdate,
  userIdSearchAttribute,
  type DeliveryOutcome,
  type GreetingSchedule,
  type NextDelivery,
  type RedriveRequest,
  type RunStage,
  type YearlyGreetingInput,
} from './definitions';

const { planDelivery } = proxyLocalActivities<activities.PlanningActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { deliverGreeting, redeliverGreeting } = proxyActivities<activities.DeliveryActivities>({
  // One attempt is one webhook call, itself bounded by WEBHOOK_TIMEOUT_MS.
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds', // attempts heartbeat: one on a crashed worker is retried in seconds, not minutes
  // Give up on an occurrence after a day of retries; it is then recorded as failed.
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: [FailureType.WebhookRejected],
  },
});

const { recordDeliveryFailure } = proxyActivities<activities.DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/**
 * One person's greeting for one yearly event, forever: plan the due moment (DELIVERY_TIME local on the date), sleep
 * until then, deliver once, continue as new for the next year. A schedule change moves the timer; cancelling the
 * workflow is how a deletion stops it.
 */
export async function yearlyGreetingWorkflow(input: YearlyGreetingInput): Promise<void> {
  try {
    await greetOneYear(input);
  } finally {
    // However the run ends (a DELETE's cancel racing a PUT's Update, say), an Update still running answers first:
    // its answer must not come after the run's last command.
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}

/** This run's year: plan, sleep, deliver, then continue as new (see yearlyGreetingWorkflow). */
async function greetOneYear(input: YearlyGreetingInput): Promise<void> {
  const { userId, eventType } = input;
  // Decided once, before the first await: a patched() call after the plan's local activity lands wherever the
  // activity's result is delivered, and a replay may deliver it one workflow task earlier than the run did (when a
  // heartbeat or a query answer closed the task that carried the result's marker). There patched() answers false
  // and the recorded marker has no command: a determinism error. Runs recorded before search attributes existed
  // have no marker: false keeps them replaying.
  const webUiMetadata = patched('web-ui-metadata');
  let schedule = input.schedule!;
  // Years before this one are done for this run: the one being delivered, once delivery starts.
  let notBeforeYear = input.fromYear;
  let plansInProgress = 0;
  let replanned = false;

  const plan = async (forSchedule: GreetingSchedule): Promise<Occurrence | null> => {
    plansInProgress += 1;
    try {
      return await planDelivery({
        userId,
        eventType,
        date: forSchedule.date,
        timezone: forSchedule.timezone,
        deliveryTime: input.deliveryTime!,
        leapDayPolicy: input.leapDayPolicy,
        nowMs: Date.now(),
        notBeforeYear,
      });
    } finally {
      plansInProgress -= 1;
    }
  };
  const view = (occurrence: Occurrence): NextDelivery => ({ ...occurrence, eventType, timezone: schedule.timezone });
  let next: Occurrence | undefined;
  let userDeleted = false;
  let stage: RunStage = 'planning';
  /** Keeps the Web UI's view of the run current: its details, and the next delivery instant in visibility. */
  const show = (newStage: RunStage = stage): void => {
    stage = newStage;
    setCurrentDetails(runDetails({ userId, eventType, timezone: schedule.timezone, stage, next }));
  };
  const publishPlan = (planned: Occurrence): void => {
    // Runs of today's code before this fix decided here; asking again keeps those replaying (see webUiMetadata).
    if (webUiMetadata || patched('web-ui-metadata')) {
      upsertSearchAttributes([
        { key: userIdSearchAttribute, value: userId },
        { key: eventTypeSearchAttribute, value: eventType },
        { key: nextDeliverySearchAttribute, value: new Date(planned.epochMs) },
      ]);
    }
    show();
  };
  /** Plans for a schedule and adopts the plan unless a later change overtook it meanwhile: the latest change wins. */
  const replan = async (forSchedule: GreetingSchedule): Promise<void> => {
    const planned = await plan(forSchedule);
    if (planned === null) {
      userDeleted = true;
      show('user-deleted');
      return;
    }
    if (schedule === forSchedule) {
      next = planned;
      replanned = true;
      publishPlan(planned);
    }
  };

  // Null until the first plan is made: a caller asks again in a moment.
  setHandler(nextDeliveryQuery, () => (next ? view(next) : null));
  setHandler(
    changeScheduleUpdate,
    async (changed) => {
      schedule = changed;
      await replan(changed);
      if (userDeleted) throw ApplicationFailure.nonRetryable(`user ${userId} is deleted`, FailureType.UserDeleted);
      await condition(() => next !== undefined && plansInProgress === 0);
      return view(next!);
    },
    { validator: validateSchedule },
  );
  setHandler(
    redriveDeliveryUpdate,
    async ({ occurrenceYear }) => {
      const { workflowId, runId } = workflowInfo();
      const key = { userId, eventType, occurrenceYear };
      try {
        return await redeliverGreeting.executeWithOptions(
          { summary: deliverySummary(eventType, occurrenceYear, true) },
          [{ ...key, workflowId, runId }],
        );
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        await recordDeliveryFailure({ ...key, reason: failureReason(error) });
        throw ApplicationFailure.nonRetryable(
          `re-drive of ${occurrenceYear} failed: ${failureReason(error)}`,
          FailureType.RedriveFailed,
        );
      }
    },
    { validator: validateRedrive },
  );

  // The due moment comes from a local activity, so it is recorded in history and stays fixed under replay.
  show();
  await replan(schedule);
  await condition(() => next !== undefined || userDeleted);
  // Started for a user deleted meanwhile (a race with DELETE): nothing to do, ever.
  if (userDeleted) return;

  // Sleep until due; a schedule change interrupts the sleep and the loop sleeps until the new due moment.
  for (;;) {
    const untilDue = next!.epochMs - Date.now();
    if (untilDue > 0) {
      replanned = false;
      show('sleeping');
      const sleep = { summary: sleepSummary(next!, schedule.timezone) };
      if (await condition(() => replanned || userDeleted, untilDue, sleep)) {
        if (userDeleted) return;
        continue;
      }
    }
    // Due: but a change being planned right now decides first.
    if (plansInProgress === 0) break;
    await condition(() => plansInProgress === 0);
  }

  const due = next!;
  notBeforeYear = due.year + 1;
  show('delivering');
  const outcome = await deliver(due, input);
  show(outcome);
  if (outcome === 'user-deleted') return;

  // Let a re-drive or a change still in progress finish before this run hands over to the next.
  await condition(allHandlersFinished);
  await continueAsNew<typeof yearlyGreetingWorkflow>({ ...input, schedule, fromYear: due.year + 1 });
}

/** Delivers one occurrence; a delivery that finally fails is recorded and the year moves on. */
async function deliver(due: Occurrence, input: YearlyGreetingInput): Promise<DeliveryOutcome['outcome'] | 'failed'> {
  const { workflowId, runId } = workflowInfo();
  const key = { userId: input.userId, eventType: input.eventType, occurrenceYear: due.year };
  try {
    const result = await deliverGreeting.executeWithOptions({ summary: deliverySummary(input.eventType, due.year) }, [
      { ...key, occurrenceDate: due.localDate, scheduledAt: due.instant, workflowId, runId },
    ]);
    return result.outcome;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // The receiver rejected the greeting or never took it within the retry window: record it, move to next year.
    await recordDeliveryFailure({ ...key, reason: failureReason(error) });
    return 'failed';
  }
}

/** Refuses a change this worker could not plan (e.g. a zone its time-zone data does not know) before it is accepted. */
function validateSchedule(changed: GreetingSchedule): void {
  if (typeof changed?.date !== 'string' || !isValidCalendarDate(changed.date)) {
    throw refusal(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(changed?.date)}`);
  }
  if (typeof changed.timezone !== 'string' || !isValidTimezone(changed.timezone)) {
    throw refusal(`unknown IANA time zone: ${JSON.stringify(changed.timezone)}`);
  }
}

function validateRedrive(request: RedriveRequest): void {
  const year = request?.occurrenceYear;
  if (!Number.isInteger(year) || year < 1900 || year > 9999) {
    throw refusal(`not an occurrence year: ${JSON.stringify(year)}`);
  }
}

/** A validator's refusal, typed so that a caller tells it from a failure of the Update itself. */
function refusal(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.InvalidUpdate);
}

function failureReason(failure: ActivityFailure): string {
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'failure'}: ${cause.message}`;
  return cause?.message ?? failure.message;
}
