// Placeholder until the pause-api branch lands (it brings the real one).
import type { Db } from '../db/client';

export function createPauseActivities(deps: { db: Db }) {
  void deps;
  return {
    recordPause(input: { userId: string; reason?: string | null }): Promise<void> {
      void input;
      return Promise.resolve();
    },
    recordResume(input: { userId: string }): Promise<void> {
      void input;
      return Promise.resolve();
    },
  };
}

export type PauseActivities = ReturnType<typeof createPauseActivities>;
