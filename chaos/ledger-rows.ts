import pg from 'pg';

/** A ledger row (table `deliveries`) of the chaos run's occurrence year. */
export interface LedgerRow {
  userId: string;
  status: string;
  idempotencyKey: string;
  scheduledAtMs: number;
  deliveredAtMs: number | null;
  attempts: number;
}

/** Every birthday row of `year` for `userIds`, read straight from Postgres as an operator would. */
export async function ledgerRows(databaseUrl: string, userIds: string[], year: number): Promise<LedgerRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      user_id: string;
      status: string;
      idempotency_key: string;
      scheduled_at: Date;
      delivered_at: Date | null;
      attempts: number;
    }>(
      `SELECT user_id, status::text AS status, idempotency_key, scheduled_at, delivered_at, attempts FROM deliveries
        WHERE user_id = ANY($1::uuid[]) AND event_type = 'birthday' AND occurrence_year = $2`,
      [userIds, year],
    );
    return rows.map((row) => ({
      userId: row.user_id,
      status: row.status,
      idempotencyKey: row.idempotency_key,
      scheduledAtMs: row.scheduled_at.getTime(),
      deliveredAtMs: row.delivered_at?.getTime() ?? null,
      attempts: row.attempts,
    }));
  } finally {
    await client.end();
  }
}
