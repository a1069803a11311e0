import { findArmedOccurrence } from '../db/armed-occurrences';
import type { Db } from '../db/client';
import { CLOSED_STATUSES } from '../db/ledger';
import { findLiveUser } from '../db/users';
import type { EventType } from '../domain/event-type';
import type { NextDelivery } from '../domain/schedule-state';
import { eventStrategy } from '../greetings/events';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';
import { occurrenceAtInstant } from '../time/next-occurrence';

export class UserNotFoundError extends Error {
  override name = 'UserNotFoundError';
}

export class DeliveryNotFoundError extends Error {
  override name = 'DeliveryNotFoundError';
}

/** The user has no date for this event type (e.g. no anniversary): there is no run to ask. */
export class EventNotSetError extends Error {
  override name = 'EventNotSetError';
}

/** The delivery is not failed, missed or skipped: there is nothing to re-drive. */
export class DeliveryNotRetryableError extends Error {
  override name = 'DeliveryNotRetryableError';
}

/** What a user's workflow plans, and an operator's re-drive of an occurrence that did not go out. */
export class UserSchedule {
  constructor(
    private readonly db: Db,
    private readonly workflows: GreetingWorkflows,
  ) {}

  /**
   * The next delivery of this event: its armed ledger row, else the plan of its workflow (a paused user's, one not yet
   * armed); null when there is neither.
   */
  async nextDelivery(userId: string, eventType: EventType): Promise<NextDelivery | null> {
    const user = await findLiveUser(this.db, userId);
    if (!user) throw new UserNotFoundError(`no user with id ${userId}`);
    if (eventStrategy(eventType).dateOf(user) === null) {
      throw new EventNotSetError(`user ${userId} has no ${eventType}`);
    }
    // The armed row is the plan, also while the user's run still sleeps on a year its dispatcher has delivered.
    const armed = await findArmedOccurrence(this.db, userId, eventType);
    if (armed) {
      const occurrence = occurrenceAtInstant({
        year: armed.occurrenceYear,
        epochMs: armed.scheduledAt.getTime(),
        timezone: user.timezone,
      });
      return { ...occurrence, eventType, timezone: user.timezone };
    }
    return this.workflows.nextDelivery(userId, eventType);
  }

  /**
   * Hands a failed, missed or skipped delivery to the user's workflow to send again (a user still paused gets it
   * skipped again). The ledger row stays the guard: the
   * workflow's activity reopens it and a delivered row is never sent twice. Returns the occurrence year.
   */
  async redrive(userId: string, deliveryId: string): Promise<{ deliveryId: string; occurrenceYear: number }> {
    if (!(await findLiveUser(this.db, userId))) throw new UserNotFoundError(`no user with id ${userId}`);
    const delivery = await this.db.delivery.findFirst({ where: { id: deliveryId, userId } });
    if (!delivery) throw new DeliveryNotFoundError(`user ${userId} has no delivery ${deliveryId}`);
    if (!(CLOSED_STATUSES as readonly string[]).includes(delivery.status)) {
      throw new DeliveryNotRetryableError(
        `delivery ${deliveryId} is ${delivery.status}; only failed, missed or skipped deliveries can be retried`,
      );
    }
    await this.workflows.redrive(userId, delivery.eventType, delivery.occurrenceYear);
    return { deliveryId, occurrenceYear: delivery.occurrenceYear };
  }
}
