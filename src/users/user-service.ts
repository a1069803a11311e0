import type { Db } from '../db/client';
import { listDeliveriesOfLiveUser, type DeliveryListQuery, type DeliveryView } from '../db/deliveries';
import type { Page } from '../db/keyset-page';
import {
  findLiveUser,
  insertUser,
  listLiveUsers,
  removeUnscheduledUser,
  softDeleteUser,
  updateLiveUser,
  type User,
  type UserFields,
  type UserListQuery,
} from '../db/users';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';

/** Temporal could not be reached in time; the caller may retry. */
export class SchedulerUnavailableError extends Error {
  override name = 'SchedulerUnavailableError';
}

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Keeps each user's row in Postgres and the user's yearly workflow in Temporal in step. */
export class UserService {
  constructor(
    private readonly db: Db,
    private readonly workflows: GreetingWorkflows,
    private readonly log: Logger,
  ) {}

  /** Writes the user, then starts the workflow; if Temporal cannot take it, the write is undone. */
  async create(fields: UserFields): Promise<User> {
    const user = await insertUser(this.db, fields);
    try {
      await this.workflows.start(user);
    } catch (error) {
      await removeUnscheduledUser(this.db, user.id);
      throw this.unavailable('starting the greeting workflow', error, user.id);
    }
    return user;
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

  /** Saves the change, then tells the workflow. The row is the truth: a later PUT re-sends it. */
  async update(id: string, fields: UserFields): Promise<User | null> {
    const user = await updateLiveUser(this.db, id, fields);
    if (!user) return null;
    try {
      await this.workflows.reschedule(user);
    } catch (error) {
      throw this.unavailable('rescheduling the greeting workflow', error, id);
    }
    return user;
  }

  /**
   * Marks the user deleted, then cancels the workflow. The mark alone already stops every future delivery (the
   * delivery activity checks it), so a Temporal outage here is logged, not failed.
   */
  async delete(id: string): Promise<boolean> {
    const deleted = await softDeleteUser(this.db, id, new Date());
    if (!deleted) return false;
    try {
      await this.workflows.stop(id);
    } catch (error) {
      this.log.warn('could not cancel the greeting workflow; it will end at its next due time', {
        userId: id,
        error: String(error),
      });
    }
    return true;
  }

  private unavailable(step: string, cause: unknown, userId: string): SchedulerUnavailableError {
    this.log.warn(`Temporal unavailable while ${step}`, { userId, error: String(cause) });
    return new SchedulerUnavailableError(`Temporal is unavailable (${step}); try again`, { cause });
  }
}
