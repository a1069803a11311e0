/** The yearly events the service greets people on. Only birthdays for now; anniversaries come later. */
export type EventType = 'birthday';

export function fullName(person: { firstName: string; lastName: string }): string {
  return `${person.firstName} ${person.lastName}`.trim();
}

/** The text the receiver gets. The product's wording, kept verbatim. */
export function greetingMessage(eventType: EventType, person: { firstName: string; lastName: string }): string {
  switch (eventType) {
    case 'birthday':
      return `Hey, ${fullName(person)} it's your birthday`;
  }
}
