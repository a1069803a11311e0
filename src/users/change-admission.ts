/** Too many changes are already waiting for Temporal: nothing was saved, the caller may send it again later. */
export class OverloadedError extends Error {
  override name = 'OverloadedError';
  constructor(
    readonly retryAfterSeconds: number,
    why = 'too many changes are waiting for Temporal',
  ) {
    super(`${why}; nothing was saved, send it again in ${retryAfterSeconds} s`);
  }
}

export interface AdmissionLimits {
  /** Changes that may talk to Temporal at once. */
  inFlight: number;
  /** Changes that may wait for one of those places; the next is refused at once. */
  waiting: number;
  /**
   * Workflow tasks that may wait for a worker before changes are refused: past it, a new user's first plan (or an
   * Update's answer) would queue behind them for longer than a caller waits. Needs `backlog`.
   */
  maxBacklog?: number;
  /** Reads that backlog (GreetingWorkflows.workflowTaskBacklog); asked at most once a second. */
  backlog?: () => Promise<number>;
}

/** How long one reading of the backlog stands; a reading costs a call to Temporal. */
const BACKLOG_READING_MS = 1_000;
/** Workers plan about this many runs a second on two cores: how fast the backlog shrinks, for Retry-After. */
const PLANS_PER_SECOND = 50;

/**
 * Admission control for the changes that save a row and then wait for Temporal (create, update); a pause, a resume
 * or a delete is saved whatever the load and only its nudge to Temporal goes through here (tryRun). When the machine
 * cannot keep up, an unbounded queue lets every request wait until Temporal's deadline and answer 503 with a row saved but not scheduled; refusing the surplus up front (429) keeps the accepted ones fast and
 * leaves nothing half done.
 */
export class ChangeAdmission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private backlogReading: { at: number; tasks: Promise<number> } | undefined;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly retryAfterSeconds = 1,
  ) {}

  /** Changes talking to Temporal now, and changes queued for a place. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Runs `change` within the bound of changes in flight. `waitsForWorkers: false` is for a change that waits for no
   * workflow task (a create planned by the API): the workers' backlog does not refuse it.
   */
  async run<T>(change: () => Promise<T>, options: { waitsForWorkers?: boolean } = {}): Promise<T> {
    const backlog = options.waitsForWorkers === false ? 0 : await this.backlog();
    const excess = this.excessBacklog(backlog);
    if (excess > 0) {
      // Long enough for the workers to bring the backlog back under the limit, not to empty it.
      const wait = Math.min(30, Math.max(this.retryAfterSeconds, Math.ceil(excess / PLANS_PER_SECOND)));
      throw new OverloadedError(wait, `the workers are ${backlog} workflow tasks behind`);
    }
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
      this.release();
    }
  }

  /**
   * Runs `nudge` if a place is free right now and the backlog is within its limit; otherwise runs nothing, waits for
   * nothing and answers false. For a change already saved whose message to Temporal may wait for the reconciler (a
   * stop or a pause is never refused for load: the saved row is what the delivery checks).
   */
  async tryRun(nudge: () => Promise<void>): Promise<boolean> {
    if (this.excessBacklog(await this.backlog()) > 0 || this.running >= this.limits.inFlight) return false;
    this.running += 1;
    try {
      await nudge();
      return true;
    } finally {
      this.release();
    }
  }

  /** Workflow tasks waiting past API_MAX_WORKFLOW_BACKLOG (0 or less: within it, or no limit). */
  private excessBacklog(backlog: number): number {
    return this.limits.maxBacklog === undefined ? 0 : backlog - this.limits.maxBacklog;
  }

  /** A change is done: its place goes straight to the first one waiting, else it is free. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  /**
   * The workflow task backlog, read at most once a second by all changes together. Unknown (0) when it cannot be
   * read: Temporal unreachable is the change's own error to meet (503), not a reason to refuse it here.
   */
  private async backlog(): Promise<number> {
    const read = this.limits.backlog;
    if (!read || this.limits.maxBacklog === undefined) return 0;
    const now = Date.now();
    if (!this.backlogReading || now - this.backlogReading.at >= BACKLOG_READING_MS) {
      this.backlogReading = { at: now, tasks: read().catch(() => 0) };
    }
    return this.backlogReading.tasks;
  }
}

/** No limit: for callers (tests, tools) that bound their own concurrency. */
export const UNLIMITED_ADMISSION = new ChangeAdmission({ inFlight: Infinity, waiting: 0 });
