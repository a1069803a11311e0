/** What one yearly event type is: where its date lives on a user and what the greeting says. */
export interface EventStrategy<Type extends string = string> {
  type: Type;
  /** Every user has this event (its date is required on create and update). */
  required: boolean;
  /** The user's date of this event as `YYYY-MM-DD`; null when the user has none (the event's run then ends). */
  dateOf(user: EventDates): string | null;
  /** The text the receiver gets. The product's wording, kept verbatim. */
  message(person: { firstName: string; lastName: string }): string;
}

/** The dated fields of a user, one per event type. */
export interface EventDates {
  birthday: string;
  anniversary: string | null;
}

export function fullName(person: { firstName: string; lastName: string }): string {
  return `${person.firstName} ${person.lastName}`.trim();
}
