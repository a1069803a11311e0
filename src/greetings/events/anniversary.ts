import { fullName, type EventStrategy } from './event-strategy';

/** An optional anniversary: a user without one has no anniversary run. */
export const anniversary = {
  type: 'anniversary',
  required: false,
  dateOf: (user) => user.anniversary,
  message: (person) => `Hey, ${fullName(person)} happy anniversary`,
} as const satisfies EventStrategy<'anniversary'>;
