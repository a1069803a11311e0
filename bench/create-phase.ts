import { randomUUID } from 'node:crypto';
import type { ApiClient, UserBody } from './api-client';
import { runBounded } from './load';
import { progress } from './progress';
import { distribution, sleep, type Distribution } from './stats';

/** Answers a create is sent again after: refused by admission control, or Temporal did not answer in time. */
const RETRIED = new Set([429, 503]);
const MAX_ATTEMPTS = 60;

/** How creating users through POST /users went. */
export interface CreatePhase {
  /** The created users, in request order (failed requests left out). */
  users: { id: string; index: number; createdAtMs: number }[];
  requests: number;
  /** Answers by HTTP status (0: no answer at all). */
  statuses: Record<string, number>;
  /** A few of the errors met, for the report. */
  errorSamples: string[];
  durationMs: number;
  ratePerSecond: number;
  latency: Distribution;
  startedAtMs: number;
  endedAtMs: number;
}

/**
 * Creates `count` users with at most `concurrency` requests in flight, timing each, as a good client does: a create
 * refused with 429 (the service's admission control) or answered 503 is sent again, with the same Idempotency-Key,
 * after its Retry-After (1 s without one). Statuses count every answer, so the refusals show.
 */
export async function createUsers(
  api: ApiClient,
  count: number,
  concurrency: number,
  bodyFor: (index: number) => UserBody,
  onCreated?: (user: { id: string; index: number; createdAtMs: number }) => void,
): Promise<CreatePhase> {
  const users: CreatePhase['users'] = [];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const bar = progress('create', count);
  const startedAtMs = Date.now();
  const run = randomUUID();
  await runBounded(count, concurrency, async (index) => {
    let answer = await api.createUser(bodyFor(index), `bench-${run}-${index}`);
    for (let attempt = 1; RETRIED.has(answer.status) && attempt < MAX_ATTEMPTS; attempt++) {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      await sleep((answer.retryAfterSeconds ?? 1) * 1000);
      answer = await api.createUser(bodyFor(index), `bench-${run}-${index}`);
    }
    latencies.push(answer.latencyMs);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 201 && answer.body?.id) {
      const user = { id: answer.body.id, index, createdAtMs: answer.answeredAtMs };
      users.push(user);
      onCreated?.(user);
    } else if (errorSamples.length < 5) {
      errorSamples.push(`${answer.status}: ${answer.error ?? JSON.stringify(answer.body)}`);
    }
    bar.update(latencies.length);
  });
  bar.stop();
  const endedAtMs = Date.now();
  users.sort((a, b) => a.index - b.index);
  return {
    users,
    requests: count,
    statuses,
    errorSamples,
    durationMs: endedAtMs - startedAtMs,
    ratePerSecond: count / ((endedAtMs - startedAtMs) / 1000),
    latency: distribution(latencies),
    startedAtMs,
    endedAtMs,
  };
}
