import { fullName, type EventStrategy } from './event-strategy';

/** Every user's birthday: the event the service was made for. */
export const birthday = {
  type: 'birthday',
  required: true,
  dateOf: (user) => user.birthday,
  message: (person) => `Hey, ${fullName(person)} it's your birthday`,
} as const satisfies EventStrategy<'birthday'>;
