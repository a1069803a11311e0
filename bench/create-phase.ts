import type { ApiClient, UserBody } from './api-client';
import { runBounded } from './load';
import { progress } from './progress';
import { distribution, type Distribution } from './stats';

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

/** Creates `count` users with at most `concurrency` requests in flight, timing each. */
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
  await runBounded(count, concurrency, async (index) => {
    const answer = await api.createUser(bodyFor(index));
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
