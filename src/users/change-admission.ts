/** Too many changes are already waiting for Temporal: nothing was saved, the caller may send it again later. */
export class OverloadedError extends Error {
  override name = 'OverloadedError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many changes are waiting for Temporal; nothing was saved, send it again in ${retryAfterSeconds} s`);
  }
}

export interface AdmissionLimits {
  /** Changes that may talk to Temporal at once. */
  inFlight: number;
  /** Changes that may wait for one of those places; the next is refused at once. */
  waiting: number;
}

/**
 * Admission control for the changes that save a row and then wait for Temporal (create, update, pause, resume,
 * delete). When the machine cannot keep up, an unbounded queue lets every request wait until Temporal's deadline and
 * answer 503 with a row saved but not scheduled; refusing the surplus up front (429) keeps the accepted ones fast and
 * leaves nothing half done.
 */
export class ChangeAdmission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly retryAfterSeconds = 1,
  ) {}

  /** Changes talking to Temporal now, and changes queued for a place. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(change: () => Promise<T>): Promise<T> {
    if (this.running < this.limits.inFlight) {
      this.running += 1;
    } else if (this.waiting.length < this.limits.waiting) {
      // The change that finishes hands its place straight to this one (see below), so `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new OverloadedError(this.retryAfterSeconds);
    }
    try {
      return await change();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/** No limit: for callers (tests, tools) that bound their own concurrency. */
export const UNLIMITED_ADMISSION = new ChangeAdmission({ inFlight: Infinity, waiting: 0 });
