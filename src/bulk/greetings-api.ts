import type { ImportCounts, RefusedRow } from './import-progress-file';

/** The report of POST /users/import. */
export interface ImportReport extends ImportCounts {
  rows: (
    | { line: number; outcome: 'created' | 'updated' | 'unchanged'; userId: string }
    | (RefusedRow & { outcome: 'refused' })
  )[];
}

export interface UserPage {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/** The API refused a whole request, or could not be reached in time. */
export class ApiCallError extends Error {
  override name = 'ApiCallError';
}

/** Answers after which the same request is sent again: rate limit and admission control, Temporal not answering. */
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const MAX_WAIT_SECONDS = 30;

export interface RetryPolicy {
  /** How long a request may wait between its attempts, in all, before the command gives up (its progress is kept). */
  giveUpAfterMs: number;
  sleep: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryPolicy = {
  giveUpAfterMs: 10 * 60_000,
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
};

/** The API as the bulk commands use it: the Bearer key on every request, busy answers retried after Retry-After. */
export class GreetingsApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Sends rows to POST /users/import; safe to repeat, as the import matches each row to the user it made. */
  importRows(rows: unknown[]): Promise<ImportReport> {
    return this.send('POST', '/users/import', JSON.stringify(rows)) as Promise<ImportReport>;
  }

  listUsers(cursor: string | null, limit: number): Promise<UserPage> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor !== null && { cursor }) });
    return this.send('GET', `/users?${query.toString()}`) as Promise<UserPage>;
  }

  private async send(method: string, path: string, body?: string): Promise<unknown> {
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      let waitSeconds: number;
      let problem: string;
      try {
        const response = await fetch(new URL(path, this.baseUrl), {
          method,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          body,
        });
        const text = await response.text();
        if (response.ok) return JSON.parse(text);
        problem = `${method} ${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 500)}`;
        if (!RETRIED_STATUSES.has(response.status)) throw new ApiCallError(problem);
        waitSeconds = Number(response.headers.get('retry-after')) || 1;
      } catch (error) {
        if (error instanceof ApiCallError) throw error;
        // Not reached (refused, reset, DNS): the API may be restarting.
        problem = `${method} ${path.split('?')[0]} failed: ${error instanceof Error ? error.message : String(error)}`;
        waitSeconds = Math.min(2 ** (attempt - 1), MAX_WAIT_SECONDS);
      }
      const waitMs = Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
      if (waitedMs + waitMs > this.retry.giveUpAfterMs) {
        throw new ApiCallError(`${problem} (gave up after retrying for ${Math.round(waitedMs / 1000)} s)`);
      }
      waitedMs += waitMs;
      await this.retry.sleep(waitMs);
    }
  }
}
