import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { DeliveryOutcome } from '../domain/delivery-outcome';
import { deliveryRecord, type DeliveryRecord } from '../greetings/delivery-record';
import {
  nextDeliveryOf,
  type NextDelivery,
  type PlannedOccurrence,
  type RunStage,
  type ScheduleState,
} from '../domain/schedule-state';
import { deliverySummary, runDetails, sleepSummary } from '../greetings/run-description';
import { isPlannableZone, isValidCalendarDate } from '../time/calendar-date';
import {
  changeScheduleUpdate,
  eventTypeSearchAttribute,
  FailureType,
  nextDeliveryQuery,
  nextDeliverySearchAttribute,
  pauseSignal,
  pauseUpdate,
  redriveDeliveryUpdate,
  refreshScheduleSignal,
  refreshScheduleUpdate,
  resumeSignal,
  resumeUpdate,
  scheduleStateQuery,
  userIdSearchAttribute,
  type GreetingSchedule,
  type PauseRequest,
  type RedriveRequest,
  type YearlyGreetingInput,
} from './definitions';

const { planDelivery } = proxyLocalActivities<activities.PlanningActivities>({
  startToCloseTimeout: '10 seconds',
  // Bounded: a plan that keeps failing (Postgres down) is given up after six attempts (about 25 s) and tried again on
  // a durable timer (PLAN_RETRY_DELAYS_MS), so an outage costs a few events a try, not a workflow task every few
  // seconds for ever.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [FailureType.Unplannable],
  },
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

/**
 * How long a local delivery is retried before it is recorded as failed. Measured by a workflow timer (it costs no
 * event when the delivery ends within its workflow task): a local activity's own schedule-to-close timeout runs on the
 * worker's clock, which the time-skipping test server does not move.
 */
const DELIVERY_RETRY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The same delivery as a local activity: it runs inside the workflow task that the due timer opens, so a delivery
 * costs one workflow task instead of three plus an activity task (the 09:00 rush is all deliveries at once). A crashed
 * worker's attempt is retried when its workflow task times out (10 s), and the ledger's claim keeps it once.
 */
const { deliverGreeting: deliverGreetingInTask } = proxyLocalActivities<activities.DeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: DELIVERY_RETRY_WINDOW_MS,
  // Every retry waits on a workflow timer, not inside the worker: it survives a restart, any worker may take it, and
  // a worker shutting down is not held by an attempt's backoff.
  localRetryThreshold: '1 second',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: [FailureType.WebhookRejected],
  },
});

const { recordDeliveryFailure, recordPause, recordResume } = proxyActivities<
  activities.DeliveryActivities & activities.PauseActivities
>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** After a plan failed for a passing reason, the waits before the next tries: doubling, then hourly. */
const PLAN_RETRY_DELAYS_MS = [1, 2, 4, 8, 15, 30, 60].map((minutes) => minutes * 60_000);

/**
 * A run continues as new while it sleeps once its history is this long (or Temporal suggests it), so schedule
 * changes, nudges and plan retries never grow one run's history towards Temporal's limit. Kept short because a worker
 * that loses a run from its cache replays the whole history (about 1 ms an event in this SDK): a continue-as-new
 * that Temporal refuses because an Update arrived meanwhile costs one replay, and at 2,000 events on a busy machine
 * that replay outlived the API's 10 s wait for the Updates queued behind it.
 */
export const HISTORY_EVENT_BUDGET = 500;
/** The budget of runs started before the shorter one (no `short-history` marker); their replay must not change. */
const FIRST_HISTORY_EVENT_BUDGET = 2_000;

/**
 * One person's greeting for one yearly event, forever: plan the due moment from Postgres, sleep until then, deliver
 * once, continue as new for the next year. Updates and signals only ask for a new plan; cancelling the workflow is
 * how a deletion stops it.
 */
export async function yearlyGreetingWorkflow(input: YearlyGreetingInput): Promise<void> {
  try {
    await new GreetingRun(input).live();
  } finally {
    // However the run ends (a DELETE's cancel racing a PUT's Update, say), an Update still running answers first:
    // its answer must not come after the run's last command.
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}

/** How one plan ended. */
type PlanOutcome =
  | { kind: 'planned'; planned: PlannedOccurrence }
  | { kind: 'user-deleted' }
  /** This worker cannot plan the schedule Postgres holds: wait for a change. */
  | { kind: 'unplannable'; reason: string }
  /** Planning failed for a passing reason: try again later. */
  | { kind: 'unavailable'; reason: string };

/** One run's state and its story: plan, sleep, deliver, hand over. Handlers sit beside the state they change. */
class GreetingRun {
  private stage: RunStage = 'planning';
  /** The plan adopted last; undefined before the first and while no plan can be made. */
  private next: PlannedOccurrence | undefined;
  /** Why no plan can be made right now (stage `unplannable` or `plan-retrying`). */
  private problem: string | null = null;
  private userDeleted = false;
  /** Years before this one are not this run's: the year after the one being delivered, once delivery starts. */
  private notBeforeYear: number | undefined;
  /** Plans asked for (each nudge, the first plan, each retry) and the newest request a finished plan answered. */
  private plansRequested = 0;
  private plansAnswered = 0;
  private planInFlight = false;
  /** A plan was adopted or failed since the run went to sleep: the sleep ends and starts over. */
  private replanned = false;
  private planFailuresInARow = 0;
  /** Pause and resume write Postgres one after another, in the order their signals arrived. */
  private pauseWrites: Promise<void> = Promise.resolve();
  /**
   * Decided once, before the first await: a patched() call after the plan's local activity lands wherever the
   * activity's result is delivered, and a replay may deliver it one workflow task earlier than the run did (when a
   * heartbeat or a query answer closed the task that carried the result's marker). There patched() answers false
   * and the recorded marker has no command: a determinism error. Runs recorded before search attributes existed
   * have no marker: false keeps them replaying.
   */
  private readonly webUiMetadata = patched('web-ui-metadata');
  /**
   * Delivery as a local activity and next year planned in the same workflow task; the hand-over to the next run comes
   * later, spread over the worker's HAND_OVER_WINDOW (at 09:00 every user of a zone is due together, and a hand-over
   * right away would add two workflow tasks and a new run per delivery to the rush). Decided at construction, for the
   * same reason as webUiMetadata; runs started before keep the activity and hand over right after delivering.
   */
  private readonly deliverInDueTask = patched('deliver-in-due-task');
  /** Decided at construction, for the same reason as webUiMetadata. */
  private readonly historyEventBudget = patched('short-history') ? HISTORY_EVENT_BUDGET : FIRST_HISTORY_EVENT_BUDGET;
  /**
   * The batch at the due moment: the instant's dispatcher sends, this run wakes a little after it (at a moment spread
   * by user over the worker's HAND_OVER_WINDOW) to confirm the delivery or make it itself, plans and arms next year
   * and hands over at once. Decided at construction, for the same reason as webUiMetadata; runs started before wake
   * at the instant and hand over after a window.
   */
  private readonly confirmAfterDispatch = patched('batch-dispatch');
  /**
   * The day of retries ends with a timer that is never cancelled (the run hands over right after the attempt, and the
   * timer goes with it). The SDK's scope timeout cancels its timer when the attempt ends, and a replay may deliver the
   * attempt's result one task earlier than the run saw it (see webUiMetadata): the cancel then lands elsewhere than
   * the history has it, or in the same activation as the timer's start, which erases both (determinism errors, seen
   * under load). Decided at construction, for the same reason as webUiMetadata; runs started before keep the scope.
   */
  private readonly ownRetryWindow = patched('own-retry-window');
  /** Who delivered this run's year, once it is known. */
  private delivery: DeliveryRecord | undefined;
  /** When this run hands over to the next, once it has delivered and planned next year. */
  private handOverAt: number | undefined;

  constructor(private readonly input: YearlyGreetingInput) {
    // The year the previous run handed over from: a ledger that lost its rows (Postgres restored from an older
    // backup) must not make this run send a year the chain already delivered.
    this.notBeforeYear = input.fromYear;
  }

  async live(): Promise<void> {
    this.handleQueries();
    this.handleNudges();
    this.handleRedrives();
    this.show();
    if (!this.adoptStartPlan()) await this.replan();
    for (;;) {
      const due = await this.sleepUntilDue();
      if (due === 'user-deleted') return;
      if (due === 'continue-as-new') return this.handOver(this.notBeforeYear);
      this.notBeforeYear = due.year + 1;
      this.show('delivering');
      const outcome = await this.deliver(due);
      this.show(outcome);
      if (outcome === 'user-deleted') return;
      if (!this.deliverInDueTask) return this.handOver(due.year + 1);
      // Next year's plan shows at once (Web UI, next-delivery) and is armed for its dispatcher.
      await this.replan();
      if (this.userDeleted) return;
      // This run woke after the rush already: the next one takes over at once.
      if (this.confirmAfterDispatch) return this.handOver(due.year + 1);
      // No window (HAND_OVER_WINDOW=0s), or next year could not be planned now: the next run takes over at once.
      const handOverAfterMs = this.next?.handOverAfterMs ?? 0;
      if (handOverAfterMs <= 0) return this.handOver(due.year + 1);
      this.handOverAt = Date.now() + handOverAfterMs;
    }
  }

  // --- Planning ------------------------------------------------------------------------------------------------

  /**
   * Plans from what Postgres holds now, one plan at a time: requests that arrive while one is made wait, and the
   * newest of them plans for all (it reads Postgres after each of them was asked). Never two local activities at
   * once: a replay may deliver two results in one activation that the run saw in two, and order the commands that
   * follow differently (a determinism error). A deletion is adopted whenever it is seen.
   */
  private async replan(): Promise<void> {
    const ticket = ++this.plansRequested;
    while (this.planInFlight) await condition(() => !this.planInFlight);
    if (ticket < this.plansRequested) {
      await condition(() => this.plansAnswered >= ticket || this.userDeleted);
      return;
    }
    this.planInFlight = true;
    let outcome: PlanOutcome;
    try {
      const planned = await planDelivery({
        userId: this.input.userId,
        eventType: this.input.eventType,
        nowMs: Date.now(),
        notBeforeYear: this.notBeforeYear,
      });
      outcome = planned === null ? { kind: 'user-deleted' } : { kind: 'planned', planned };
    } catch (error) {
      outcome = planFailure(error);
    } finally {
      this.planInFlight = false;
    }
    this.plansAnswered = ticket;
    if (outcome.kind === 'user-deleted') {
      this.userDeleted = true;
      this.show('user-deleted');
    } else {
      this.adopt(outcome);
    }
  }

  /**
   * The plan the API made and armed with the user's row at the create, or the one the previous run handed over, while
   * its instant is still ahead: adopted as it is (the start set its search attribute, or the previous run did and the
   * new run keeps it), so a new user or a new year costs no plan of its own. Runs started before this existed have no
   * marker and plan.
   */
  private adoptStartPlan(): boolean {
    const { plan } = this.input;
    if (!plan || plan.epochMs <= Date.now() || !patched('plan-at-start')) return false;
    this.next = plan;
    this.show();
    return true;
  }

  /** A plan is being made, or asked for and not yet made. */
  private planPending(): boolean {
    return this.planInFlight || this.plansAnswered < this.plansRequested;
  }

  private adopt(outcome: Exclude<PlanOutcome, { kind: 'user-deleted' }>): void {
    this.replanned = true;
    if (outcome.kind === 'planned') {
      this.next = outcome.planned;
      this.problem = null;
      this.planFailuresInARow = 0;
      this.publishPlan(outcome.planned);
      return;
    }
    this.next = undefined;
    this.problem = outcome.reason;
    this.planFailuresInARow += outcome.kind === 'unavailable' ? 1 : 0;
    this.show(outcome.kind === 'unplannable' ? 'unplannable' : 'plan-retrying');
  }

  private publishPlan(planned: PlannedOccurrence): void {
    // Runs of today's code before the decision moved up decided here; asking again keeps those replaying.
    if (this.webUiMetadata || patched('web-ui-metadata')) {
      upsertSearchAttributes([
        { key: userIdSearchAttribute, value: this.input.userId },
        { key: eventTypeSearchAttribute, value: this.input.eventType },
        { key: nextDeliverySearchAttribute, value: new Date(planned.epochMs) },
      ]);
    }
    this.show();
  }

  // --- Sleeping ------------------------------------------------------------------------------------------------

  /**
   * Waits until the adopted plan is due, following every new plan; without a plan, waits for a change (unplannable)
   * or retries with backoff (unavailable). Ends early when the user is deleted or the history is long enough to
   * continue as new.
   */
  private async sleepUntilDue(): Promise<PlannedOccurrence | 'user-deleted' | 'continue-as-new'> {
    for (;;) {
      if (this.userDeleted) return 'user-deleted';
      if (this.next === undefined) {
        if (this.planPending()) {
          await condition(() => !this.planPending() || this.userDeleted);
        } else if (this.problem === null) {
          // No plan and none coming (the plan adopted last was cut short): make one.
          await this.replan();
        } else if (await this.waitForPlanChange()) {
          return 'continue-as-new';
        }
        continue;
      }
      const wakeAfterDueMs = this.confirmAfterDispatch ? (this.next.handOverAfterMs ?? 0) : 0;
      const untilDue = this.next.epochMs + wakeAfterDueMs - Date.now();
      if (untilDue > 0) {
        this.replanned = false;
        this.show('sleeping');
        const untilHandOver = this.handOverAt === undefined ? Infinity : Math.max(0, this.handOverAt - Date.now());
        const summary =
          untilHandOver < untilDue ? 'hand over to the next run' : sleepSummary(this.next, this.timezone());
        const woken = await condition(
          () => this.replanned || this.userDeleted || this.mayContinueAsNew(),
          Math.min(untilDue, untilHandOver),
          { summary },
        );
        if (woken) {
          if (!this.replanned && !this.userDeleted) return 'continue-as-new';
          continue;
        }
        if (untilHandOver < untilDue) return 'continue-as-new';
      }
      // Due: but a change being planned right now decides first.
      if (!this.planPending()) return this.next;
      await condition(() => !this.planPending());
    }
  }

  /**
   * No plan can be made: an unplannable schedule waits for a nudge (a PUT, `refreshSchedule`); a passing failure
   * also tries again after a backoff. True when the run should continue as new instead.
   */
  private async waitForPlanChange(): Promise<boolean> {
    this.replanned = false;
    const changed = () => this.replanned || this.userDeleted;
    if (this.stage === 'unplannable') {
      await condition(() => changed() || this.mayContinueAsNew());
    } else {
      const delay = PLAN_RETRY_DELAYS_MS[Math.min(this.planFailuresInARow, PLAN_RETRY_DELAYS_MS.length) - 1]!;
      const woken = await condition(() => changed() || this.mayContinueAsNew(), delay, {
        summary: 'plan again after a failure',
      });
      if (!woken) {
        await this.replan();
        return false;
      }
    }
    return !changed();
  }

  /** Long enough to start afresh, and nothing in flight that the next run could not finish. */
  private mayContinueAsNew(): boolean {
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    const long = continueAsNewSuggested || historyLength >= this.historyEventBudget;
    return long && !this.planPending() && allHandlersFinished() && this.mayEndLongHistory();
  }

  /**
   * Runs started before plans read Postgres (their input still carries the schedule) had no history budget: the code
   * of the time never continued as new for length, and a run whose API sent an Update for every PUT (name syncs
   * too) went past 2,000 events within days. Their recorded events must replay as they were, so such a run continues
   * as new only from a live workflow task, behind a marker (test/histories/2026-12-07). One of them that went past
   * 2,000 events on a worker of the code between (2026-11-30 to this change) continued as new with no marker: that
   * run is closed, and only a query or a replay of it fails.
   */
  private mayEndLongHistory(): boolean {
    return this.input.schedule === undefined || patched('long-history-of-first-runs');
  }

  // --- Delivering and handing over ------------------------------------------------------------------------------

  /** Delivers one occurrence; a delivery that finally fails is recorded and the year moves on. */
  private async deliver(due: PlannedOccurrence): Promise<DeliveryOutcome['outcome'] | 'failed'> {
    const { workflowId, runId } = workflowInfo();
    const key = { userId: this.input.userId, eventType: this.input.eventType, occurrenceYear: due.year };
    const options = { summary: deliverySummary(this.input.eventType, due.year) };
    const args = [{ ...key, occurrenceDate: due.localDate, scheduledAt: due.instant, workflowId, runId }] as const;
    const retryWindow = this.ownRetryWindow
      ? new CancellationScope({ cancellable: true })
      : new CancellationScope({ cancellable: true, timeout: DELIVERY_RETRY_WINDOW_MS });
    if (this.ownRetryWindow) cancelAfter(retryWindow, DELIVERY_RETRY_WINDOW_MS);
    try {
      const result = this.deliverInDueTask
        ? await retryWindow.run(() => deliverGreetingInTask.executeWithOptions(options, [...args]))
        : await deliverGreeting.executeWithOptions(options, [...args]);
      this.delivery = deliveryRecord(result, workflowId);
      return result.outcome;
    } catch (error) {
      // The receiver rejected the greeting or never took it within the retry window: record it, move to next year.
      const gaveUp = retryWindow.consideredCancelled && !CancellationScope.current().consideredCancelled;
      const reason = gaveUp ? 'no success within a day of retries' : deliveryFailureReason(error);
      await recordDeliveryFailure({ ...key, reason });
      return 'failed';
    }
  }

  /** The next run starts from `fromYear` and plans afresh from Postgres; nothing else carries over. */
  private async handOver(fromYear: number | undefined): Promise<void> {
    // Let a re-drive or a change still in progress finish before this run hands over to the next.
    await condition(allHandlersFinished);
    const { userId, eventType } = this.input;
    // The plan that stands (armed when it was made) goes with it: the next run adopts it instead of planning again.
    const plan =
      this.next !== undefined && (fromYear === undefined || this.next.year >= fromYear) ? this.next : undefined;
    await continueAsNew<typeof yearlyGreetingWorkflow>({
      userId,
      eventType,
      ...(fromYear !== undefined && { fromYear }),
      ...(plan !== undefined && { plan }),
    });
  }

  // --- Handlers ------------------------------------------------------------------------------------------------

  private handleQueries(): void {
    // Null until the first plan is made: a caller asks again in a moment.
    setHandler(nextDeliveryQuery, () => (this.next ? this.view(this.next) : null));
    setHandler(scheduleStateQuery, () => this.state());
  }

  private state(): ScheduleState {
    return {
      stage: this.stage,
      next: this.next ? this.view(this.next) : null,
      paused: this.next?.paused ?? null,
      problem: this.problem,
    };
  }

  /** Every way to say "the schedule may have changed": each plans again from Postgres. */
  private handleNudges(): void {
    setHandler(
      changeScheduleUpdate,
      async () => {
        await this.replan();
        if (this.userDeleted) {
          throw ApplicationFailure.nonRetryable(`user ${this.input.userId} is deleted`, FailureType.UserDeleted);
        }
        await condition(() => !this.planPending());
        if (this.next) return this.view(this.next);
        const type = this.stage === 'unplannable' ? FailureType.Unplannable : FailureType.PlanUnavailable;
        throw ApplicationFailure.nonRetryable(this.problem ?? 'no plan', type);
      },
      { validator: validateSchedule },
    );
    setHandler(refreshScheduleSignal, async () => {
      await this.replan();
    });
    setHandler(refreshScheduleUpdate, async () => {
      await this.replan();
      await condition(() => !this.planPending());
      return this.state();
    });
    setHandler(pauseSignal, (request) => this.pause(request));
    setHandler(resumeSignal, () => this.resume());
    setHandler(pauseUpdate, async (request) => {
      await this.pause(request);
      await condition(() => !this.planPending());
      return this.state();
    });
    setHandler(resumeUpdate, async () => {
      await this.resume();
      await condition(() => !this.planPending());
      return this.state();
    });
  }

  private async pause(request: PauseRequest | undefined): Promise<void> {
    // Stamped when the run handles it: the write, however late, loses to any pause or resume asked after it.
    const askedAtMs = Date.now();
    await this.writePause(() => recordPause({ userId: this.input.userId, reason: request?.reason ?? null, askedAtMs }));
    await this.replan();
  }

  private async resume(): Promise<void> {
    const askedAtMs = Date.now();
    await this.writePause(() => recordResume({ userId: this.input.userId, askedAtMs }));
    await this.replan();
  }

  private writePause(write: () => Promise<void>): Promise<void> {
    this.pauseWrites = this.pauseWrites.then(write);
    return this.pauseWrites;
  }

  private handleRedrives(): void {
    setHandler(
      redriveDeliveryUpdate,
      async ({ occurrenceYear }) => {
        const { workflowId, runId } = workflowInfo();
        const key = { userId: this.input.userId, eventType: this.input.eventType, occurrenceYear };
        try {
          return await redeliverGreeting.executeWithOptions(
            { summary: deliverySummary(this.input.eventType, occurrenceYear, true) },
            [{ ...key, workflowId, runId }],
          );
        } catch (error) {
          const reason = deliveryFailureReason(error);
          await recordDeliveryFailure({ ...key, reason });
          throw ApplicationFailure.nonRetryable(
            `re-drive of ${occurrenceYear} failed: ${reason}`,
            FailureType.RedriveFailed,
          );
        }
      },
      { validator: validateRedrive },
    );
  }

  // --- What the Web UI and callers see --------------------------------------------------------------------------

  /** Plans recorded before plans read Postgres carry no zone: the run's input had it. */
  private timezone(): string {
    return this.next?.timezone ?? this.input.schedule?.timezone ?? '';
  }

  private view(planned: PlannedOccurrence): NextDelivery {
    return nextDeliveryOf(planned, this.input.eventType, this.timezone());
  }

  /** Keeps the Web UI's view of the run current: its stage, plan, pause and problem. */
  private show(stage: RunStage = this.stage): void {
    this.stage = stage;
    setCurrentDetails(
      runDetails({
        userId: this.input.userId,
        eventType: this.input.eventType,
        timezone: this.timezone(),
        stage,
        next: this.next,
        paused: this.next?.paused ?? null,
        problem: this.problem,
        delivery: this.delivery,
      }),
    );
  }
}

/**
 * A plan's failure: unplannable for good, or worth another try later. A local activity's own failure arrives as
 * itself (not wrapped in an ActivityFailure as a regular activity's is), its timeout as a wrapped one. Cancellation
 * (the run is being cancelled) and bugs are not plan failures: they go on up.
 */
function planFailure(error: unknown): Extract<PlanOutcome, { reason: string }> {
  if (isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.type === FailureType.Unplannable) {
    return { kind: 'unplannable', reason: cause.message };
  }
  return { kind: 'unavailable', reason: cause?.message ?? error.message };
}

/** Refuses a change this worker could not plan (e.g. a zone its time-zone data does not know) before it is accepted. */
function validateSchedule(changed: GreetingSchedule): void {
  if (typeof changed?.date !== 'string' || !isValidCalendarDate(changed.date)) {
    throw refusal(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(changed?.date)}`);
  }
  if (typeof changed.timezone !== 'string' || !isPlannableZone(changed.timezone)) {
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

/** A timer that cancels `scope` once `ms` have passed (nothing, if what the scope ran is over by then). */
function cancelAfter(scope: CancellationScope, ms: number): void {
  sleep(ms).then(
    () => scope.cancel(),
    () => undefined, // the run itself was cancelled
  );
}

/**
 * Why a delivery finally failed: an activity's failure wraps its cause, a local activity's own failure arrives as
 * itself. Cancellation (the run is being cancelled) and bugs are not delivery failures: they go on up.
 */
function deliveryFailureReason(error: unknown): string {
  if (isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'failure'}: ${cause.message}`;
  return cause?.message ?? error.message;
}
