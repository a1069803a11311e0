import type { Db } from '../db/client';
import { listDeliveriesOfLiveUser, type DeliveryListQuery, type DeliveryView } from '../db/deliveries';
import type { Page } from '../db/keyset-page';
import {
  EmailTakenError,
  findLiveUser,
  findUserByCreationKey,
  insertUser,
  listLiveUsers,
  markWorkflowSynced,
  pauseUser,
  requestWorkflowSync,
  restoreUser,
  resumeUser,
  softDeleteUser,
  updateLiveUser,
  type CreationKey,
  type User,
  type UserFields,
  type UserListQuery,
} from '../db/users';
import type { EventType } from '../domain/event-type';
import { nextDeliveryOf, type NextDelivery, type PlannedOccurrence } from '../domain/schedule-state';
import { armedRowOf } from '../greetings/armed-row';
import { startDelayMsOf } from '../greetings/delayed-start';
import { eventTypesOf } from '../greetings/events';
import { firstPlanOf, type PlanSettings } from '../greetings/first-plan';
import type { DueDispatchers } from '../temporal/due-dispatchers';
import {
  ScheduleUnplannableError,
  TemporalUnavailableError,
  WorkflowNotRunningError,
  WorkflowRejectedError,
  type GreetingWorkflows,
} from '../temporal/greeting-workflows';
import { BackgroundStarts, type BackgroundStartLimits } from './background-starts';
import { UNLIMITED_ADMISSION, type ChangeAdmission } from './change-admission';
import { creationFingerprint } from './creation-fingerprint';
import { refreshEventRuns, startEventRuns, stopEventRuns, syncEventRuns, type FirstPlans } from './event-runs';
import { UserSchedule } from './user-schedule';

/** Temporal could not be reached in time. The change is saved and the reconciler completes it; `user` is the row. */
export class SchedulerUnavailableError extends Error {
  override name = 'SchedulerUnavailableError';
  constructor(
    message: string,
    readonly user: User | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A create's Idempotency-Key was used before for other fields, or for a user deleted since. Nothing was saved. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

export interface CreatedUser {
  user: User;
  /** An earlier create with the same Idempotency-Key made this user; this one saved nothing. */
  replayed: boolean;
  /**
   * The birthday's next delivery: the first plan, made and armed with the row. A replayed create shows the plan that
   * stands now (null when none can be read: the user paused meanwhile and Temporal unreachable).
   */
  nextDelivery: NextDelivery | null;
}

/** How the API plans a new user's first occurrences itself, so that nothing waits for a worker before the 201. */
export interface FirstPlanning {
  /** The worker's settings (DELIVERY_TIME, LEAP_DAY_POLICY, HAND_OVER_WINDOW), read from the same configuration. */
  settings: PlanSettings;
  /** Starts the dispatcher of each first plan's instant; unset, the users' own runs deliver at their instants. */
  dispatchers?: Pick<DueDispatchers, 'ensure'>;
}

export interface UserServiceOptions {
  /** Bounds the changes waiting for Temporal; a change past the bound is refused before anything is saved. */
  admission?: ChangeAdmission;
  /** Unset: a new user's run makes its own first plan (as a run the reconciler starts does). */
  planning?: FirstPlanning;
  clock?: () => Date;
  /** How many new users' runs start at once after their 201, and how many may wait (see BackgroundStarts). */
  backgroundStarts?: BackgroundStartLimits;
}

/**
 * A few starts at a time: about 100 runs a second on the two-core dev server, while a burst of creates keeps most of the
 * machine (16 at a time started faster but slowed the creates: docs/benchmarks/README.md).
 */
const DEFAULT_BACKGROUND_STARTS: BackgroundStartLimits = { concurrency: 4, maxQueued: 20_000 };

/** The user's workflow refused the change (its validator); the row was put back as it was. */
export class ScheduleRejectedError extends Error {
  override name = 'ScheduleRejectedError';
}

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A pause, resume or delete, saved: `told` when the workflows heard of it now, `left-to-reconciler` when admission
 * control kept the message back (the saved row already rules what is sent; the reconciler tells the workflows).
 */
export interface SavedStop<T> {
  saved: T;
  workflows: 'told' | 'left-to-reconciler';
}

export interface UpdatedUser {
  user: User;
  nextDelivery: NextDelivery;
}

/**
 * Keeps each user's row in Postgres and the user's yearly workflows in Temporal (one per event type the user has a
 * date for) in step. The row is written first and flagged; the flag is cleared once Temporal confirmed, and the
 * reconciler finishes whatever an outage interrupted.
 */
export class UserService {
  private readonly admission: ChangeAdmission;
  private readonly planning: FirstPlanning | undefined;
  private readonly clock: () => Date;
  private readonly schedule: UserSchedule;
  private readonly starts: BackgroundStarts;

  constructor(
    private readonly db: Db,
    private readonly workflows: GreetingWorkflows,
    private readonly log: Logger,
    options: UserServiceOptions = {},
  ) {
    this.admission = options.admission ?? UNLIMITED_ADMISSION;
    this.planning = options.planning;
    this.clock = options.clock ?? (() => new Date());
    this.schedule = new UserSchedule(db, workflows);
    this.starts = new BackgroundStarts(options.backgroundStarts ?? DEFAULT_BACKGROUND_STARTS);
  }

  /**
   * For a process that stops: the runs being started are finished, those still waiting are left to the reconciler
   * (their rows stay flagged), and no more are taken.
   */
  stopStarts(): Promise<void> {
    return this.starts.stop();
  }

  /**
   * Writes the user with its first occurrences planned and armed, and answers; the runs start right after
   * (startInBackground). Without planning, it starts the runs first and the answer waits for the first plan. With an
   * `idempotencyKey`, a create that was already made with it (a client retrying after a timeout or a 503) answers
   * with that user instead of making a second one.
   */
  create(fields: UserFields, idempotencyKey?: string): Promise<CreatedUser> {
    // A planned create waits for Postgres only: the workers' backlog does not hold it back.
    return this.admission.run(() => this.createNow(fields, idempotencyKey), { waitsForWorkers: !this.planning });
  }

  private async createNow(fields: UserFields, idempotencyKey: string | undefined): Promise<CreatedUser> {
    const requestedAt = this.clock();
    const creation =
      idempotencyKey === undefined ? undefined : { key: idempotencyKey, fingerprint: creationFingerprint(fields) };
    const earlier = creation && (await this.earlierCreate(creation));
    if (earlier) return earlier;
    let user: User;
    let firstPlans: FirstPlans = {};
    const armFirst = (saved: User) => {
      firstPlans = this.firstPlansOf(saved, requestedAt);
      return Object.entries(firstPlans).map(([eventType, plan]) => armedRowOf(saved.id, eventType as EventType, plan));
    };
    try {
      user = await insertUser(this.db, fields, requestedAt, creation, this.planning && armFirst);
    } catch (error) {
      // A concurrent create with the same key got there first (or the email is taken: then there is no such user).
      const concurrent = creation && error instanceof EmailTakenError && (await this.earlierCreate(creation));
      if (concurrent) return concurrent;
      throw error;
    }
    if (this.planning) {
      // Planned and armed with the row: nothing waits for Temporal. The runs start after the answer (in a start
      // delay until shortly before their instant); the flag leaves any that cannot be started to the reconciler.
      this.startInBackground(user, firstPlans, requestedAt);
      return { user, replayed: false, nextDelivery: nextDeliveryOf(firstPlans.birthday!, 'birthday', user.timezone) };
    }
    try {
      await startEventRuns(this.workflows, user);
    } catch (error) {
      throw this.unavailable('starting the greeting workflows', error, user);
    }
    await markWorkflowSynced(this.db, user.id, requestedAt);
    return { user, replayed: false, nextDelivery: await this.planNow(user) };
  }

  /**
   * Hands a new user's runs to the background starts: each run starts with its first plan, waiting in a start delay
   * until shortly before its instant when that is hours away (startDelayMsOf); the dispatcher of an instant close by
   * is started; the flag is cleared. Whatever fails is logged and left flagged for the reconciler's quick pass.
   */
  private startInBackground(user: User, plans: FirstPlans, requestedAt: Date): void {
    const handed = this.starts.hand(user.id, async () => {
      try {
        const nowMs = this.clock().getTime();
        for (const [eventType, plan] of Object.entries(plans) as [EventType, PlannedOccurrence][]) {
          const startDelayMs = startDelayMsOf(user.id, eventType, plan.epochMs, nowMs);
          await this.workflows.start(user, eventType, plan, { startDelayMs });
        }
        await this.ensureDispatchers(user, plans);
        await markWorkflowSynced(this.db, user.id, requestedAt);
      } catch (error) {
        this.log.warn("could not start a new user's greeting workflows; the reconciler will", {
          userId: user.id,
          error: String(error),
        });
      }
    });
    if (!handed) {
      this.log.warn(
        "a new user's workflows cannot be started now (too many waiting, or the API is stopping); the reconciler will",
        {
          userId: user.id,
        },
      );
    }
  }

  /** The first plan of each event the saved row has a date for, as its run would make it now. */
  private firstPlansOf(user: User, now: Date): FirstPlans {
    const plans: FirstPlans = {};
    for (const eventType of eventTypesOf(user)) {
      const plan = firstPlanOf(user, eventType, this.planning!.settings, now.getTime());
      if (plan) plans[eventType] = plan;
    }
    return plans;
  }

  /**
   * The dispatchers of the first plans' instants. One that cannot be started now is left to the sweep and, failing
   * that, to the user's own run when it wakes: the create stands either way.
   */
  private async ensureDispatchers(user: User, plans: FirstPlans): Promise<void> {
    const dispatchers = this.planning?.dispatchers;
    if (!dispatchers) return;
    for (const plan of Object.values(plans)) {
      try {
        await dispatchers.ensure(plan.instant);
      } catch (error) {
        this.log.warn("could not start the dispatcher of a new user's instant; the user's run will send it", {
          userId: user.id,
          dueAt: plan.instant,
          error: String(error),
        });
      }
    }
  }

  /**
   * The birthday's plan as it stands (the armed row, else the run's plan), for a create that made no plan itself (a
   * replay, or no planning configured); null when it cannot be read now.
   */
  private async planNow(user: User): Promise<NextDelivery | null> {
    try {
      return await this.schedule.nextDelivery(user.id, 'birthday');
    } catch (error) {
      this.log.warn('could not read the plan of a created user', { userId: user.id, error: String(error) });
      return null;
    }
  }

  /** The user an earlier create with this key made, its workflow started if that create could not; null if none. */
  private async earlierCreate(creation: CreationKey): Promise<CreatedUser | null> {
    const found = await findUserByCreationKey(this.db, creation.key);
    if (!found) return null;
    if (found.fingerprint !== creation.fingerprint) {
      throw new IdempotencyKeyReusedError('this Idempotency-Key was used to create a user with other fields');
    }
    if (found.deleted) {
      throw new IdempotencyKeyReusedError('the user this Idempotency-Key created has been deleted since');
    }
    // This process may still be starting its runs in the background: that start, not another, carries the plan.
    await this.starts.settled(found.user.id);
    if (found.workflowSyncPending) {
      // The first attempt may have answered 503 before its workflow started: start it now (a running one is found).
      // The flag stays for the reconciler, which also carries any later change the row is waiting to hand over.
      try {
        await startEventRuns(this.workflows, found.user);
      } catch (error) {
        throw this.unavailable('starting the greeting workflows', error, found.user);
      }
    }
    return { user: found.user, replayed: true, nextDelivery: await this.planNow(found.user) };
  }

  get(id: string): Promise<User | null> {
    return findLiveUser(this.db, id);
  }

  list(query: UserListQuery): Promise<Page<User>> {
    return listLiveUsers(this.db, query);
  }

  /** The user's delivery ledger, newest first; null when there is no live user with that id. */
  deliveries(id: string, query: DeliveryListQuery): Promise<Page<DeliveryView> | null> {
    return listDeliveriesOfLiveUser(this.db, id, query);
  }

  /**
   * Saves the change, then gives each event's workflow the schedule through an Update (an event added starts its
   * workflow; one removed has its pending occurrences cancelled with the save, then its workflow cancelled) and
   * returns the birthday's new plan. A change the workflows need not learn (a name or email, on a row in step with
   * them) sends no Update: every Update grows a workflow's history, and a CRM syncing names every few minutes would
   * fill it. Its answer is the birthday's current plan.
   */
  update(id: string, fields: UserFields): Promise<UpdatedUser | null> {
    return this.admission.run(() => this.updateNow(id, fields));
  }

  private async updateNow(id: string, fields: UserFields): Promise<UpdatedUser | null> {
    await this.starts.settled(id);
    const requestedAt = this.clock();
    const saved = await updateLiveUser(this.db, id, fields, requestedAt);
    if (!saved) return null;
    const { user, previous } = saved;
    if (!saved.workflowSyncNeeded) {
      const current = await this.currentPlan(user, requestedAt);
      if (current) return { user, nextDelivery: current };
    }
    let plans: Partial<Record<EventType, NextDelivery>>;
    try {
      plans = await syncEventRuns(this.workflows, user);
    } catch (error) {
      // Deleted meanwhile (a DELETE racing this PUT): the workflow refused or closed because the user is gone.
      if (!(await findLiveUser(this.db, id))) return null;
      if (error instanceof WorkflowRejectedError) {
        if (await restoreUser(this.db, previous, user.updatedAt, requestedAt)) {
          await this.nudgeAfterRestore(previous, requestedAt);
        }
        throw new ScheduleRejectedError(error.message, { cause: error });
      }
      if (error instanceof ScheduleUnplannableError) {
        // Saved, and the workflow knows: it waits in stage `unplannable` until a change it can plan.
        await markWorkflowSynced(this.db, id, requestedAt);
        throw error;
      }
      throw this.unavailable('changing the greeting schedule', error, user);
    }
    await markWorkflowSynced(this.db, id, requestedAt);
    // The birthday is required: its run always answers a plan.
    if (!plans.birthday) throw new Error(`user ${id} has no birthday plan`);
    return { user, nextDelivery: plans.birthday };
  }

  /**
   * After a refused change is put back: a plan that read the refused row meanwhile (its own wake-up, a pause's nudge)
   * left its run unplannable, so every run plans again from the restored row. If Temporal does not answer, the flag
   * the restore raised leaves it to the reconciler; the refusal is still what the caller hears.
   */
  private async nudgeAfterRestore(restored: User, requestedAt: Date): Promise<void> {
    try {
      await refreshEventRuns(this.workflows, restored);
      await markWorkflowSynced(this.db, restored.id, requestedAt);
    } catch (error) {
      this.log.warn('could not nudge the greeting workflows after putting back a refused change; the reconciler will', {
        userId: restored.id,
        error: String(error),
      });
    }
  }

  /**
   * The plan of the user's workflow, when the workflow is in step with the row; null when it is not running, after
   * flagging the row so the Update that follows (which starts it) is finished by the reconciler if it fails.
   */
  private async currentPlan(user: User, requestedAt: Date): Promise<NextDelivery | null> {
    let plan: NextDelivery | null;
    try {
      plan = await this.workflows.nextDelivery(user.id, 'birthday');
    } catch (error) {
      // The run says why it has no plan (unplannable, or its database unreachable): the change is saved all the same.
      if (!(error instanceof TemporalUnavailableError)) throw error;
      await requestWorkflowSync(this.db, user.id, requestedAt);
      throw this.unavailable('reading the greeting plan', error, user);
    }
    if (!plan) await requestWorkflowSync(this.db, user.id, requestedAt);
    return plan;
  }

  /**
   * Pauses the user's greetings: saved (and flagged) first, then the workflow is nudged (`refreshSchedule`) to plan
   * again from the row; an
   * occurrence that comes due while paused is recorded as skipped. A user already paused keeps the instant the pause
   * began and takes the new reason. Null when there is no live user.
   */
  pause(id: string, reason: string | null): Promise<SavedStop<User> | null> {
    return this.saveThenNudge(
      id,
      (requestedAt) => pauseUser(this.db, id, reason, requestedAt, true),
      (user, requestedAt) =>
        this.signal(user, requestedAt, 'pausing the greeting workflows', () => refreshEventRuns(this.workflows, user)),
    );
  }

  /** Ends the user's pause: saved (and flagged) first, then the workflow is nudged to plan again from the row. */
  resume(id: string): Promise<SavedStop<User> | null> {
    return this.saveThenNudge(
      id,
      (requestedAt) => resumeUser(this.db, id, requestedAt, true),
      (user, requestedAt) =>
        this.signal(user, requestedAt, 'resuming the greeting workflows', () => refreshEventRuns(this.workflows, user)),
    );
  }

  /**
   * Saves a change that only the row needs to take effect (the delivery reads the pause and the deletion), whatever
   * the load: admission control decides only whether Temporal is told now or the flagged row is left to the
   * reconciler. Null when there is no live user.
   */
  private async saveThenNudge<T>(
    id: string,
    save: (requestedAt: Date) => Promise<T | null>,
    nudge: (saved: T, requestedAt: Date) => Promise<void>,
  ): Promise<SavedStop<T> | null> {
    // A new user's runs are started first: the nudge would find none and the start would miss the change's nudge.
    await this.starts.settled(id);
    const requestedAt = this.clock();
    const saved = await save(requestedAt);
    if (saved === null) return null;
    const told = await this.admission.tryRun(() => nudge(saved, requestedAt));
    return { saved, workflows: told ? 'told' : 'left-to-reconciler' };
  }

  /**
   * Sends a signal for a change already saved and flagged, and clears the flag once Temporal has it. The saved row
   * already rules what is sent (the delivery reads the pause), so a workflow that is not running is left to the
   * reconciler, which starts it from the row.
   */
  private async signal(user: User, requestedAt: Date, step: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (error instanceof WorkflowNotRunningError) {
        this.log.warn(`the greeting workflow is not running while ${step}; the reconciler will start it`, {
          userId: user.id,
        });
        return;
      }
      throw this.unavailable(step, error, user);
    }
    await markWorkflowSynced(this.db, user.id, requestedAt);
  }

  /**
   * Marks the user deleted, then cancels the workflow. The mark alone already stops every future delivery (the
   * delivery activity checks it), so a Temporal outage here is logged and left to the reconciler, not failed.
   */
  delete(id: string): Promise<SavedStop<true> | null> {
    return this.saveThenNudge(
      id,
      async (requestedAt) => ((await softDeleteUser(this.db, id, requestedAt)) ? true : null),
      async (_deleted, requestedAt) => {
        try {
          await stopEventRuns(this.workflows, id);
          await markWorkflowSynced(this.db, id, requestedAt);
        } catch (error) {
          this.log.warn('could not cancel the greeting workflows; the reconciler will', {
            userId: id,
            error: String(error),
          });
        }
      },
    );
  }

  private unavailable(step: string, cause: unknown, user: User): SchedulerUnavailableError {
    this.log.warn(`Temporal unavailable while ${step}`, { userId: user.id, error: String(cause) });
    return new SchedulerUnavailableError(
      `the user is saved, but Temporal did not answer while ${step}; the reconciler will finish it once Temporal is back`,
      user,
      { cause },
    );
  }
}
