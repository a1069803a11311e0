import type { Db } from '../db/client';
import { pauseUser, resumeUser } from '../db/users';

export interface RecordPauseInput {
  userId: string;
  reason?: string | null;
  /** When the signal arrived (the workflow's clock): a later pause or resume, from the API too, wins over it. */
  askedAtMs?: number;
}

export interface RecordResumeInput {
  userId: string;
  /** As for RecordPauseInput. */
  askedAtMs?: number;
}

/**
 * What the workflow records when an operator signals `pause` or `resume` (from the temporal CLI). The row is not
 * flagged for the reconciler: the workflow that records it already knows.
 */
export function createPauseActivities(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  // Signals recorded before they carried their instant are written as of now.
  const askedAt = (input: { askedAtMs?: number }) =>
    input.askedAtMs === undefined ? now() : new Date(input.askedAtMs);
  return {
    /**
     * Pauses the user's greetings in Postgres. Idempotent per user: a user already paused keeps the instant the pause
     * began and takes the new reason. A deleted user is left as is.
     */
    async recordPause(input: RecordPauseInput): Promise<void> {
      await pauseUser(deps.db, input.userId, input.reason ?? null, askedAt(input), false);
    },

    /** Ends the user's pause in Postgres. Idempotent per user; a deleted user is left as is. */
    async recordResume(input: RecordResumeInput): Promise<void> {
      await resumeUser(deps.db, input.userId, askedAt(input), false);
    },
  };
}

export type PauseActivities = ReturnType<typeof createPauseActivities>;
