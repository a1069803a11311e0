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
  tuning: PgBossTuning;
}

/** How the baseline drives pg-boss: the knobs its docs give for throughput. */
export interface PgBossTuning {
  /** work() subscriptions, each a polling loop of its own (pg-boss 10 has no teamSize). */
  workers: number;
  /** Jobs per fetch; a batch is sent concurrently. */
  batchSize: number;
  /** A loop that found jobs polls again at once once its batch took longer than this (0.5 is pg-boss's minimum). */
  pollingIntervalSeconds: number;
  /** pg-boss's pool (`max`), shared by every fetch and completion. */
  bossConnections: number;
  /** The pool the handlers insert the ledger rows with. */
  ledgerConnections: number;
  /** false drops `ORDER BY priority` from the fetch: every job here has the same priority. */
  priority: boolean;
}

const QUEUE = 'bench-greeting';
const SCHEMA = 'bench_pgboss';
/**
 * pg-boss at its best for this job on the 2-core box, by its docs' throughput knobs (more work() loops, larger
 * batchSize, pollingIntervalSeconds at its 0.5 minimum, a larger pool `max`, `priority: false`, no metadata). The old
 * 8 × 50 capped it at 8 × 50 / 0.5 s = 800 /s (measured 759 /s); alone, 10,000 users, warm: 16 × 100 with pools of 20
 * and 32 drained 2,283 /s (1,358 as the first run on a fresh Postgres; 1,733 with a ledger pool of 48), 8 × 250 2,002
 * and 1,621, 4 × 500 1,979, 8 × 200 1,817. Runs vary widely; the polling ceiling, 3,200 /s, is above what 2 cores give.
 */
export const PG_BOSS_TUNING: PgBossTuning = {
  workers: 16,
  batchSize: 100,
  pollingIntervalSeconds: 0.5,
  bossConnections: 20,
  ledgerConnections: 32,
  priority: false,
};

/**
 * The same job on pg-boss, in the same Postgres (its own schema): one delayed job per user, all due at one instant
 * a little ahead; workers POST the greeting to the bench receiver and record it in a ledger unique per user and year.
 */
export async function runPgBossBaseline(options: {
  databaseUrl: string;
  users: BenchUser[];
  receiver: BenchReceiver;
  /** Another tuning than the bench's (to compare settings). */
  tuning?: PgBossTuning;
}): Promise<PgBossFigures> {
  const { users, receiver, tuning = PG_BOSS_TUNING } = options;
  const lane = receiver.lane('pg-boss');
  const url = receiver.urlFor('pg-boss');
  const sql = new pg.Pool({ connectionString: options.databaseUrl, max: tuning.ledgerConnections });
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: SCHEMA,
    max: tuning.bossConnections,
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

    // Batches still recording their ledger rows after their POSTs reached the receiver.
    const handling = new Set<Promise<unknown>>();
    for (let worker = 0; worker < tuning.workers; worker++) {
      await boss.work<BenchUser>(
        QUEUE,
        {
          batchSize: tuning.batchSize,
          pollingIntervalSeconds: tuning.pollingIntervalSeconds,
          priority: tuning.priority,
          includeMetadata: false,
        },
        async (jobs) => {
          const batch = Promise.all(
            jobs.map(async (job) => {
              // At least once from pg-boss; the ledger's key keeps one row per user and year.
              await postGreeting(url, job.data, scheduledAt, job.id);
              await sql.query(
                'INSERT INTO bench.pgboss_deliveries (user_id, occurrence_year) VALUES ($1, $2) ON CONFLICT DO NOTHING',
                [job.data.id, scheduledAt.getUTCFullYear()],
              );
            }),
          );
          handling.add(batch);
          try {
            await batch;
          } finally {
            handling.delete(batch);
          }
        },
      );
    }
    await sleep(dueMs - Date.now());
    await waitForDrain(lane, users.length, 'pg-boss');
    // The last POSTs arrive before their ledger rows are written: count the ledger once those batches have ended.
    await Promise.allSettled([...handling]);
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
      tuning,
    };
  } finally {
    await boss.stop({ graceful: true, wait: true, close: true, timeout: 10_000 }).catch(() => {});
    await sql.end();
  }
}

/** The tuning in one line, for the report beside pg-boss's figures. */
export function describePgBossTuning(tuning: PgBossTuning): string {
  return (
    `${tuning.workers} work() loops × batchSize ${tuning.batchSize}, pollingIntervalSeconds ${tuning.pollingIntervalSeconds}, ` +
    `priority ${tuning.priority}, pools: pg-boss max ${tuning.bossConnections}, ledger ${tuning.ledgerConnections}`
  );
}
