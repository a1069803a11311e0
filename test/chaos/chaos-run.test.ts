import { runChaos } from '../../chaos/run-chaos';

// The short variant of `npm run chaos`: real processes on loopback (Postgres, the Temporal dev server, the API and two
// `npm run worker` processes), users due at one instant, a worker killed twice, Temporal and Postgres restarted while
// the receiver fails a third of its calls. Nothing may be lost or doubled.
test('150 users due while workers are killed, Temporal and Postgres restart and the receiver fails: each greeted once', async () => {
  const run = await runChaos({
    users: 150,
    workers: 2,
    faults: { workerKills: 2, temporalRestarts: 1, postgresRestarts: 1 },
    faultWindowMs: 30_000,
    receiverMix: { serverError: 0.2, tooManyRequests: 0.05, hang: 0.05, drop: 0.02 },
    // Bounds the retry tail (10 s, then 20 s) so the run fits in the suite; `npm run chaos` has no such bound.
    maxFailuresPerKey: 2,
    webhookTimeoutMs: 3_000,
    seed: 20261130,
    settleTimeoutMs: 300_000,
    keepData: false,
    log: () => {},
  });

  const failed = run.verdict.checks.filter((check) => !check.ok);
  expect(failed).toEqual([]);
  const { figures } = run.verdict;
  expect(figures.ledgerByStatus).toEqual({ delivered: 150 });
  expect(figures.distinctKeysTaken).toBe(150);
  expect(figures.usersWithSeveralKeys).toBe(0);
  // The faults really happened: every kind was injected and the receiver failed calls in each way.
  expect(figures.faults).toEqual({ 'kill-worker': 2, 'restart-temporal': 1, 'restart-postgres': 1 });
  expect(figures.answers['server-error']).toBeGreaterThan(0);
  expect(figures.answers.ok).toBeGreaterThanOrEqual(150);
  expect(figures.repeatPosts).toBeGreaterThan(0);
  expect(run.settledAtMs).not.toBeNull();
}, 600_000);
