/**
 * Paces rows to at most `perSecond` on average (a token bucket holding one second's worth), so that an import of
 * 100,000 people does not start their workflows faster than Temporal and the workers should take them.
 */
export class RowRate {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((done) => setTimeout(done, ms)),
  ) {
    this.tokens = 0;
    this.refilledAt = now();
  }

  private queue: Promise<void> = Promise.resolve();

  /** Resolves once `rows` may be sent. Callers take turns: each waits for the one before it. */
  async take(rows: number): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(rows));
    this.queue = turn;
    await turn;
  }

  private async takeNow(rows: number): Promise<void> {
    this.refill();
    const missing = rows - this.tokens;
    if (missing > 0) {
      await this.sleep((missing / this.perSecond) * 1000);
      this.refill();
    }
    this.tokens -= rows;
  }

  private refill(): void {
    const now = this.now();
    // At most one second's worth builds up while idle: a pause is not followed by a burst.
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }
}
