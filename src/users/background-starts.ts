export interface BackgroundStartLimits {
  /** Jobs running at once (each one talks to Temporal). */
  concurrency: number;
  /** Jobs waiting for a place; past it a job is not taken and the caller leaves it to the reconciler. */
  maxQueued: number;
}

/**
 * The work a create hands over once its row is committed (starting the user's runs), done after the answer, a few
 * at a time, so that a create waits for Postgres only. Keyed by user: a later change to the same user waits for
 * that user's job first (`settled`), so it never overtakes the start. A job that fails, or one never run (queue full,
 * process stopped), leaves the row flagged, and the reconciler's quick pass does it.
 */
export class BackgroundStarts {
  private readonly byUser = new Map<string, Promise<void>>();
  private readonly all = new Set<Promise<void>>();
  /** Waiting jobs: each is told whether to run (false once the process stops). */
  private readonly queue: ((run: boolean) => void)[] = [];
  private running = 0;
  private stopped = false;

  constructor(private readonly limits: BackgroundStartLimits) {}

  /** Jobs running and waiting now. */
  get size(): number {
    return this.running + this.queue.length;
  }

  /**
   * Takes the user's job, unless the queue is full or the process is stopping (false: nothing will run it here).
   * `job` must not throw.
   */
  hand(userId: string, job: () => Promise<void>): boolean {
    if (this.stopped) return false;
    if (this.running >= this.limits.concurrency && this.queue.length >= this.limits.maxQueued) return false;
    const done = this.place().then(async (run) => {
      if (!run) return;
      try {
        await job();
      } finally {
        this.release();
      }
    });
    const forget = () => {
      this.all.delete(done);
      if (this.byUser.get(userId) === done) this.byUser.delete(userId);
    };
    void done.then(forget);
    this.byUser.set(userId, done);
    this.all.add(done);
    return true;
  }

  /** Resolves once the user's job handed here (if any) has run, or was dropped. */
  async settled(userId: string): Promise<void> {
    await this.byUser.get(userId);
  }

  /** Resolves once every job handed so far has run, or was dropped. */
  async idle(): Promise<void> {
    await Promise.all([...this.all]);
  }

  /**
   * For a process that stops: takes no more jobs, drops the waiting ones (their rows stay flagged: the reconciler
   * starts those runs) and resolves once the running ones are done.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const drop of this.queue.splice(0)) drop(false);
    await this.idle();
  }

  private place(): Promise<boolean> {
    if (this.running < this.limits.concurrency) {
      this.running += 1;
      return Promise.resolve(true);
    }
    // The job that finishes hands its place straight to this one (release), so `running` stays as it is.
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next(true);
    else this.running -= 1;
  }
}
