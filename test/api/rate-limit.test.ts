import { KeyRateLimiter } from '../../src/api/rate-limit';
import { apiForThisFile, apiWorkflows, startApiWith, TEST_API_KEY } from '../support/service';
import { uniqueTaskQueue } from '../support/environment';
import { UNLIMITED_ADMISSION } from '../../src/users/change-admission';

// API_RATE_LIMIT: each key's requests refill at a rate up to a burst; past it 429 rate_limited with Retry-After.

describe('KeyRateLimiter', () => {
  test('lets a burst through, then one request per 1/rate seconds, each key on its own', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ perSecond: 2, burst: 4 }, () => now);
    for (let request = 0; request < 4; request++) expect(limiter.take(0)).toEqual({ allowed: true });
    expect(limiter.take(0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take(1)).toEqual({ allowed: true });
    now = 500; // half a second refills one token at 2 a second
    expect(limiter.take(0)).toEqual({ allowed: true });
    expect(limiter.take(0).allowed).toBe(false);
    now = 60_000; // a quiet minute refills the burst, no more
    for (let request = 0; request < 4; request++) expect(limiter.take(0).allowed).toBe(true);
    expect(limiter.take(0).allowed).toBe(false);
  });
});

describe('the API', () => {
  const api = apiForThisFile('rate-limit');
  const OTHER_KEY = 'another-client-key-0123456789';

  test('answers 429 rate_limited with Retry-After past a key’s limit, and other keys are not slowed', async () => {
    const server = await startApiWith({
      db: api.db,
      workflows: apiWorkflows(api.env.client, uniqueTaskQueue('rate-limit')),
      admission: UNLIMITED_ADMISSION,
      apiKeys: [TEST_API_KEY, OTHER_KEY],
      // Slow enough that no token comes back while the test runs, however loaded the machine (at 1 a second, four
      // requests spread over a busy second got a fourth token).
      rateLimit: { perSecond: 0.01, burst: 3 },
    });
    try {
      const list = (key: string) =>
        fetch(`${server.url}/users?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      const statuses = [];
      for (let request = 0; request < 4; request++) statuses.push((await list(TEST_API_KEY)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await list(TEST_API_KEY);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await limited.json()).toEqual({
        error: { code: 'rate_limited', message: expect.stringContaining('rate limit'), details: [] },
      });
      expect((await list(OTHER_KEY)).status).toBe(200);
      // The probes are not limited.
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
