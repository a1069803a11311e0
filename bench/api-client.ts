import { timedCall, type CallResult } from './load';
import { sleep } from './stats';

/** POST /users body (src/api/schemas.ts). */
export interface UserBody {
  firstName: string;
  lastName: string;
  birthday: string;
  timezone: string;
}

/** The service's public API as a user of it calls it. */
export class ApiClient {
  private readonly authorization: string;

  constructor(
    readonly baseUrl: string,
    apiKey: string,
  ) {
    this.authorization = `Bearer ${apiKey}`;
  }

  /** `idempotencyKey` makes sending the same create again (after a 429 or a 503) safe. */
  createUser(body: UserBody, idempotencyKey: string): Promise<CallResult<{ id: string }>> {
    return timedCall(`${this.baseUrl}/users`, {
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(body),
    });
  }

  getUser(userId: string): Promise<CallResult<{ id: string }>> {
    return timedCall(`${this.baseUrl}/users/${userId}`, { headers: { authorization: this.authorization } });
  }

  listUsers(limit: number): Promise<CallResult<{ items: unknown[]; nextCursor: string | null }>> {
    return timedCall(`${this.baseUrl}/users?limit=${limit}`, { headers: { authorization: this.authorization } });
  }

  nextDelivery(userId: string): Promise<CallResult<{ instant: string }>> {
    return timedCall(`${this.baseUrl}/users/${userId}/next-delivery`, {
      headers: { authorization: this.authorization },
    });
  }

  /**
   * How long after `createdAtMs` (the create's 201) GET /users/:id/next-delivery first answers 200, polling; null
   * when it has not within `timeoutMs`. Before the workflow's first plan the API answers 409 or 503.
   */
  async plannedWithin(userId: string, createdAtMs: number, timeoutMs = 60_000): Promise<number | null> {
    for (;;) {
      const answer = await this.nextDelivery(userId);
      if (answer.status === 200) return answer.answeredAtMs - createdAtMs;
      if (Date.now() - createdAtMs > timeoutMs) return null;
      await sleep(50);
    }
  }
}

/** A person for the benchmark: names carry the index, so any row can be traced back to its request. */
export function benchPerson(index: number, birthday: string, timezone: string): UserBody {
  return { firstName: 'Bench', lastName: `User ${index}`, birthday, timezone };
}
