import { backoffMs, DELIVERY_RETRY, verdictOn } from '../../src/activities/webhook-answer';
import { parseRetryAfter } from '../../src/activities/webhook-client';

const NOW_MS = Date.parse('2026-12-07T09:00:00Z');
const answered = (status: number, retryAfter: string | null = null) =>
  ({ kind: 'answered', status, retryAfterMs: parseRetryAfter(retryAfter, NOW_MS), bodyExcerpt: '' }) as const;

test('a 2xx is delivered, a 4xx other than 408/429 rejected, the rest retried', () => {
  expect(verdictOn(answered(204), 1)).toEqual({ result: 'delivered' });
  expect(verdictOn(answered(410), 1)).toEqual({ result: 'rejected' });
  for (const status of [408, 429, 500, 503]) expect(verdictOn(answered(status), 1).result).toBe('retry');
  expect(verdictOn({ kind: 'unreachable', error: 'ECONNREFUSED' }, 1).result).toBe('retry');
});

test('without Retry-After the backoff doubles from 10 s and stops at 1 h', () => {
  expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt))).toEqual([10_000, 20_000, 40_000, 80_000]);
  expect(backoffMs(30)).toBe(DELIVERY_RETRY.maximumMs);
});

test('a Retry-After of 0, 1 s or a date already past is never sooner than the first interval: no loop of attempts', () => {
  for (const header of ['0', '1', 'Sun, 06 Dec 2026 08:00:00 GMT']) {
    expect(verdictOn(answered(503, header), 1)).toEqual({ result: 'retry', retryAfterMs: DELIVERY_RETRY.initialMs });
  }
});

test('a Retry-After within the bounds is honoured; one above the maximum interval is capped', () => {
  expect(verdictOn(answered(429, '120'), 1)).toEqual({ result: 'retry', retryAfterMs: 120_000 });
  expect(verdictOn(answered(429, String(6 * 3600)), 1)).toEqual({
    result: 'retry',
    retryAfterMs: DELIVERY_RETRY.maximumMs,
  });
});
