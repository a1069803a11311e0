import type { Db } from '../db/client';
import { armedInstants } from '../db/due-dispatch';

export interface DispatchSweepDependencies {
  db: Db;
  /** Starts an instant's dispatcher unless it runs (Temporal's USE_EXISTING). */
  dispatchers: { start(dueAt: string): Promise<void> };
  /** How late a greeting may still go out; instants older than this are the users' runs' to close. Null: a day. */
  maxLatenessMs: number | null;
}

export interface DispatchSweepInput {
  /** Instants up to this far ahead get their dispatchers now. */
  horizonMs: number;
}

export interface DispatchSweepResult {
  /** The instants with untouched armed rows in the window, each of whose dispatchers now runs. */
  instants: string[];
}

/** Instants one sweep looks at, at most: far more than one minute's worth of distinct 09:00s in every zone. */
const MAX_INSTANTS = 1_000;
const DAY_MS = 86_400_000;

export function createDispatchSweepActivities(deps: DispatchSweepDependencies) {
  return {
    /**
     * Starts the dispatcher of every instant that has armed rows nobody has touched, from the lateness limit ago to
     * the horizon ahead: the instants coming up (nobody else started a dispatcher for a day months away when it was
     * armed) and any whose dispatcher is missing (Temporal's store restored, a start that failed). One already
     * running is found, not doubled.
     */
    async startDueDispatchers(input: DispatchSweepInput): Promise<DispatchSweepResult> {
      const lookbackMs = deps.maxLatenessMs ?? DAY_MS;
      const instants = await armedInstants(deps.db, { lookbackMs, horizonMs: input.horizonMs, limit: MAX_INSTANTS });
      for (const instant of instants) await deps.dispatchers.start(instant);
      return { instants };
    },
  };
}

export type DispatchSweepActivities = ReturnType<typeof createDispatchSweepActivities>;
