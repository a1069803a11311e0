import type { EventType } from '../domain/event-type';
import type { NextDelivery, PlannedOccurrence } from '../domain/schedule-state';
import { EVENT_TYPES, eventTypesOf } from '../greetings/events';
import type { User } from '../db/users';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';

/** A new user's first plan of each event, made and armed with the row by the create. */
export type FirstPlans = Partial<Record<EventType, PlannedOccurrence>>;

// A user has one run per event type they have a date for. These go over every event type, so the API and the
// reconciler treat a new type like the others without knowing it.

/**
 * Starts the run of every event the user has a date for, each with its first plan when one was made with the row;
 * runs already open are found, not doubled.
 */
export async function startEventRuns(
  workflows: GreetingWorkflows,
  user: User,
  firstPlans: FirstPlans = {},
): Promise<void> {
  for (const eventType of eventTypesOf(user)) await workflows.start(user, eventType, firstPlans[eventType]);
}

/**
 * Brings every run in step with the user's row: an event with a date plans again from the row (its run started if
 * missing), one without (an anniversary removed) has its run cancelled. Returns the new plan of each dated event.
 */
export async function syncEventRuns(
  workflows: GreetingWorkflows,
  user: User,
): Promise<Partial<Record<EventType, NextDelivery>>> {
  const plans: Partial<Record<EventType, NextDelivery>> = {};
  for (const event of EVENT_TYPES) {
    if (event.dateOf(user) === null) await workflows.stop(user.id, event.type);
    else plans[event.type] = await workflows.changeSchedule(user, event.type);
  }
  return plans;
}

/** Cancels every run of the user (deleted); runs already gone are fine. */
export async function stopEventRuns(workflows: GreetingWorkflows, userId: string): Promise<void> {
  for (const event of EVENT_TYPES) await workflows.stop(userId, event.type);
}

/** Asks the run of every event the user has to plan again from the row (after a pause or a resume). */
export async function refreshEventRuns(workflows: GreetingWorkflows, user: User): Promise<void> {
  for (const eventType of eventTypesOf(user)) await workflows.refresh(user.id, eventType);
}
