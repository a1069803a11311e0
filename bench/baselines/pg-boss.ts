import PgBoss from 'pg-boss';
import pg from 'pg';
import { drainFigures, waitForDrain, type DrainFigures } from '../drain';
import type { BenchReceiver } from '../receiver';
import { sleep } from '../stats';
import { postGreeting, type BenchUser } from './greeting-post';

export interface PgBossFigures extends DrainFigures {
  dueMs: number;
  insertMs: number;
  /** Rows in the bench's own ledger for these users and the year (unique per user and year). */
  ledgerRows: number;
  exactlyOnce: boolean;
  /** Inserting the jobs ran past their due instant: the drain figures are not comparable. */
  insertedLate: boolean;
  tuning: { workers: number; batchSize: number; pollingIntervalSeconds: number };
}

const QUEUE = 'bench-greeting';
const SCHEMA = 'bench_pgboss';
/** Several polling workers, each taking a batch per poll and sending it concurrently: pg-boss 10 has no teamSize. */
const TUNING = { workers: 8, batchSize: 50, pollingIntervalSeconds: 0.5 };

/**
 * The same job on pg-boss, in the same Postgres (its own schema): one delayed job per user, all due at one instant
 * a little ahead; workers POST the greeting to the bench receiver and record it in a ledger unique per user and year.
 */
export async function runPgBossBaseline(options: {
  databaseUrl: string;
  users: BenchUser[];
  receiver: BenchReceiver;
}): Promise<PgBossFigures> {
  const { users, receiver } = options;
  const lane = receiver.lane('pg-boss');
  const url = receiver.urlFor('pg-boss');
  const sql = new pg.Pool({ connectionString: options.databaseUrl, max: TUNING.workers * 2 });
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: SCHEMA,
    max: TUNING.workers + 4,
    schedule: false,
    supervise: false,
  });
  boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
  try {
    await sql.query('CREATE SCHEMA IF NOT EXISTS bench');
    await sql.query(
      `CREATE TABLE IF NOT EXISTS bench.pgboss_deliveries (
         user_id uuid NOT NULL, occurrence_year int NOT NULL, delivered_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (user_id, occurrence_year))`,
    );
    await boss.start();
    await boss.createQueue(QUEUE);

    // Due a little ahead of the inserts, as the service's users were due a little after their creation.
    const insertStart = Date.now();
    const dueMs = Math.ceil((insertStart + 10_000 + users.length * 2) / 1000) * 1000;
    const scheduledAt = new Date(dueMs);
    for (let start = 0; start < users.length; start += 1_000) {
      await boss.insert(
        users.slice(start, start + 1_000).map((user) => ({
          name: QUEUE,
          data: user,
          startAfter: scheduledAt,
          retryLimit: 5,
          retryDelay: 1,
        })),
      );
    }
    const insertMs = Date.now() - insertStart;
    const insertedLate = Date.now() > dueMs;

    for (let worker = 0; worker < TUNING.workers; worker++) {
      await boss.work<BenchUser>(
        QUEUE,
        { batchSize: TUNING.batchSize, pollingIntervalSeconds: TUNING.pollingIntervalSeconds },
        async (jobs) => {
          await Promise.all(
            jobs.map(async (job) => {
              // At least once from pg-boss; the ledger's key keeps one row per user and year.
              await postGreeting(url, job.data, scheduledAt, job.id);
              await sql.query(
                'INSERT INTO bench.pgboss_deliveries (user_id, occurrence_year) VALUES ($1, $2) ON CONFLICT DO NOTHING',
                [job.data.id, scheduledAt.getUTCFullYear()],
              );
            }),
          );
        },
      );
    }
    await sleep(dueMs - Date.now());
    await waitForDrain(lane, users.length, 'pg-boss');
    const ledger = await sql.query<{ rows: string }>(
      'SELECT count(*) AS rows FROM bench.pgboss_deliveries WHERE user_id = ANY($1::uuid[]) AND occurrence_year = $2',
      [users.map((user) => user.id), scheduledAt.getUTCFullYear()],
    );
    const figures = drainFigures(lane, dueMs);
    const ledgerRows = Number(ledger.rows[0]?.rows ?? 0);
    return {
      ...figures,
      dueMs,
      insertMs,
      ledgerRows,
      exactlyOnce: ledgerRows === users.length && figures.users === users.length && figures.repeats === 0,
      insertedLate,
      tuning: TUNING,
    };
  } finally {
    await boss.stop({ graceful: true, wait: true, close: true, timeout: 10_000 }).catch(() => {});
    await sql.end();
  }
}
