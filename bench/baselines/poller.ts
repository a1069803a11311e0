import pg from 'pg';
import type { BenchReceiver } from '../receiver';
import { distribution, type Distribution } from '../stats';
import { postGreeting } from './greeting-post';

/** The naive design's fixed rate: one poll a minute, 100 rows a poll. */
const POLL_EVERY_MS = 60_000;
const ROWS_PER_POLL = 100;
/** Real polls run (back to back: only their own duration is measured, the minute between them is computed). */
const REAL_POLLS = 2;

export interface PollerFigures {
  realPolls: number;
  rowsPerPoll: number;
  /** Duration of each real poll: select, POST every row one after another, mark them done. */
  pollMs: number[];
  delivered: number;
  repeats: number;
  exactlyOnce: boolean;
  /** Computed from the fixed rate for the run's N users, not measured. */
  impliedDrainRatePerSecond: number;
  impliedDrainMs: number;
  impliedLateness: Distribution;
}

/**
 * The naive poller: every minute, `SELECT … FOR UPDATE SKIP LOCKED LIMIT 100` of the due rows, POST each, mark them
 * done. Running it over N rows takes N/100 minutes, so only two polls run for real (back to back); the drain rate
 * and lateness for N users are computed from its fixed rate and the measured poll, with every poll taken to start
 * right on time (its best case).
 */
export async function runPollerBaseline(options: {
  databaseUrl: string;
  users: { id: string; index: number }[];
  receiver: BenchReceiver;
}): Promise<PollerFigures> {
  const lane = options.receiver.lane('poller');
  const url = options.receiver.urlFor('poller');
  const sample = options.users.slice(0, ROWS_PER_POLL * REAL_POLLS);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS bench');
    await client.query(
      `CREATE TABLE IF NOT EXISTS bench.poller_jobs (
         user_id uuid PRIMARY KEY, user_index int NOT NULL, due_at timestamptz NOT NULL, done_at timestamptz)`,
    );
    const dueAt = new Date();
    await client.query(
      `INSERT INTO bench.poller_jobs (user_id, user_index, due_at)
       SELECT id, idx, $3::timestamptz FROM unnest($1::uuid[], $2::int[]) AS rows (id, idx) ON CONFLICT DO NOTHING`,
      [sample.map((user) => user.id), sample.map((user) => user.index), dueAt],
    );
    const pollMs: number[] = [];
    const offsetsInPoll: number[] = [];
    for (let poll = 0; poll < REAL_POLLS; poll++) {
      const started = Date.now();
      await client.query('BEGIN');
      const due = await client.query<{ user_id: string; user_index: number }>(
        `SELECT user_id, user_index FROM bench.poller_jobs WHERE done_at IS NULL AND due_at <= now()
          ORDER BY due_at LIMIT ${ROWS_PER_POLL} FOR UPDATE SKIP LOCKED`,
      );
      for (const row of due.rows) {
        await postGreeting(url, { id: row.user_id, index: row.user_index }, dueAt, `poller-${row.user_id}`);
        offsetsInPoll.push(Date.now() - started);
      }
      await client.query('UPDATE bench.poller_jobs SET done_at = now() WHERE user_id = ANY($1::uuid[])', [
        due.rows.map((row) => row.user_id),
      ]);
      await client.query('COMMIT');
      pollMs.push(Date.now() - started);
    }
    // User k (in due order) goes out in poll floor(k / 100), at the offset measured for its place in a poll.
    const n = options.users.length;
    const implied = Array.from(
      { length: n },
      (_, k) => Math.floor(k / ROWS_PER_POLL) * POLL_EVERY_MS + (offsetsInPoll[k % offsetsInPoll.length] ?? 0),
    );
    const impliedDrainMs = Math.max(...implied);
    return {
      realPolls: REAL_POLLS,
      rowsPerPoll: ROWS_PER_POLL,
      pollMs,
      delivered: lane.receivedAtMs.length,
      repeats: lane.repeats,
      exactlyOnce: lane.repeats === 0 && lane.users.size === sample.length,
      impliedDrainRatePerSecond: n / (Math.max(1, impliedDrainMs) / 1000),
      impliedDrainMs,
      impliedLateness: distribution(implied),
    };
  } finally {
    await client.end();
  }
}
