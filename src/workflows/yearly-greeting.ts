import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { EventType } from '../greetings/message';
import { nextOccurrence, type Occurrence } from '../time/next-occurrence';

/** What decides when the greeting is due. Names are not here: the delivery reads them fresh from Postgres. */
export interface GreetingSchedule {
  /** `YYYY-MM-DD`; only month and day matter. */
  date: string;
  /** IANA zone name. */
  timezone: string;
}

export interface YearlyGreetingInput {
  userId: string;
  eventType: EventType;
  schedule: GreetingSchedule;
  /** Local time of day the greeting is due, `HH:mm` or `HH:mm:ss`. */
  deliveryTime: string;
  /** The first occurrence year this run may deliver; the year after the last delivery, after continue-as-new. */
  fromYear?: number;
}

export interface NextDelivery extends Occurrence {
  eventType: EventType;
  timezone: string;
}

/** The user's date or time zone changed: recompute the due moment, even mid-sleep. */
export const scheduleChangedSignal = defineSignal<[GreetingSchedule]>('scheduleChanged');
/** The occurrence the workflow is waiting for (or delivering). */
export const nextDeliveryQuery = defineQuery<NextDelivery>('nextDelivery');

const { deliverGreeting } = proxyActivities<activities.DeliveryActivities>({
  // One attempt is one webhook call, itself bounded by WEBHOOK_TIMEOUT_MS.
  startToCloseTimeout: '2 minutes',
  // Give up on an occurrence after a day of retries; it is then recorded as failed.
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: ['WebhookRejected'],
  },
});

const { recordDeliveryFailure } = proxyActivities<activities.DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/**
 * One person's greeting for one yearly event, forever: sleep until the due moment (DELIVERY_TIME local on the
 * date), deliver once, continue as new for the next year. Cancelling the workflow is how a deletion stops it.
 */
export async function yearlyGreetingWorkflow(input: YearlyGreetingInput): Promise<void> {
  let schedule = input.schedule;
  let scheduleChanged = false;
  let next = occurrenceFor(schedule, input);

  setHandler(scheduleChangedSignal, (changed) => {
    schedule = changed;
    scheduleChanged = true;
  });
  setHandler(nextDeliveryQuery, () => ({ ...next, eventType: input.eventType, timezone: schedule.timezone }));

  // Sleep until due; a schedule change interrupts the sleep and the due moment is computed again.
  for (;;) {
    const untilDue = next.epochMs - Date.now();
    if (untilDue <= 0) break;
    const changed = await condition(() => scheduleChanged, untilDue);
    if (!changed) break;
    scheduleChanged = false;
    next = occurrenceFor(schedule, input);
  }

  const { workflowId, runId } = workflowInfo();
  const key = { userId: input.userId, eventType: input.eventType, occurrenceYear: next.year };
  try {
    const result = await deliverGreeting({
      ...key,
      occurrenceDate: next.localDate,
      scheduledAt: next.instant,
      workflowId,
      runId,
    });
    if (result.outcome === 'user-deleted') return;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // The receiver rejected the greeting or never took it within the retry window: record it, move to next year.
    await recordDeliveryFailure({ ...key, reason: failureReason(error) });
  }

  await continueAsNew<typeof yearlyGreetingWorkflow>({ ...input, schedule, fromYear: next.year + 1 });
}

function occurrenceFor(schedule: GreetingSchedule, input: YearlyGreetingInput): Occurrence {
  return nextOccurrence({
    date: schedule.date,
    timezone: schedule.timezone,
    deliveryTime: input.deliveryTime,
    nowMs: Date.now(),
    notBeforeYear: input.fromYear,
  });
}

function failureReason(failure: ActivityFailure): string {
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'failure'}: ${cause.message}`;
  return cause?.message ?? failure.message;
}
