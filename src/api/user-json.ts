import type { User } from '../db/users';

/** A user as the API answers with it: the pause flattened into `paused`, `pausedAt` and `pauseReason`. */
export interface UserJson extends Omit<User, 'pause' | 'scheduleSince'> {
  paused: boolean;
  /** When the pause began; null when not paused. */
  pausedAt: string | null;
  /** Why, as given; null when not paused or no reason was given. */
  pauseReason: string | null;
}

export function userJson(user: User): UserJson {
  const { pause, scheduleSince: _scheduleSince, ...fields } = user;
  return {
    ...fields,
    paused: pause !== null,
    pausedAt: pause?.since ?? null,
    pauseReason: pause?.reason ?? null,
  };
}
