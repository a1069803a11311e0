// Per-user backoff of the reconciler's retries. A user whose workflow cannot be synced (a refused Update, a bug)
// is tried less and less often, so the users flagged behind them get their turn, and after a few failures in a row
// is counted as stuck for the operator. The state lives in the process: a restart tries everyone again at once.

export interface SyncBackoffOptions {
  /** The wait after a first failure; it doubles with each failure in a row. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Failures in a row after which a user counts as stuck. */
  stuckAfter: number;
}

export const DEFAULT_SYNC_BACKOFF: SyncBackoffOptions = {
  firstDelayMs: 60_000,
  maxDelayMs: 60 * 60_000,
  stuckAfter: 3,
};

interface Failing {
  failures: number;
  retryAtMs: number;
  /** The pass that last found the user still flagged; users no longer flagged are forgotten. */
  seenInPass: number;
}

export class SyncBackoff {
  private readonly failing = new Map<string, Failing>();
  private pass = 0;

  constructor(private readonly options: SyncBackoffOptions = DEFAULT_SYNC_BACKOFF) {}

  /** Starts a walk over the flagged users. */
  beginPass(): void {
    this.pass += 1;
  }

  /** Whether the user's sync should be tried now; marks the user as still flagged. */
  isDue(userId: string, nowMs: number): boolean {
    const entry = this.failing.get(userId);
    if (!entry) return true;
    entry.seenInPass = this.pass;
    return nowMs >= entry.retryAtMs;
  }

  /** Records a failed sync; says whether the user has just become stuck (to report it once). */
  failed(userId: string, nowMs: number): { failures: number; becameStuck: boolean } {
    const failures = (this.failing.get(userId)?.failures ?? 0) + 1;
    const delayMs = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** (failures - 1));
    this.failing.set(userId, { failures, retryAtMs: nowMs + delayMs, seenInPass: this.pass });
    return { failures, becameStuck: failures === this.options.stuckAfter };
  }

  succeeded(userId: string): void {
    this.failing.delete(userId);
  }

  /** Ends a complete walk: users it did not find flagged were synced by someone else (the API, another worker). */
  endPass(): void {
    for (const [userId, entry] of this.failing) {
      if (entry.seenInPass < this.pass) this.failing.delete(userId);
    }
  }

  /** Users whose sync failed `stuckAfter` times in a row or more. */
  stuckCount(): number {
    let stuck = 0;
    for (const entry of this.failing.values()) if (entry.failures >= this.options.stuckAfter) stuck += 1;
    return stuck;
  }
}
