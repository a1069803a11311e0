import pg from 'pg';

/** What the service's ledger (table `deliveries`) holds for the bench users' occurrence of one year. */
export interface LedgerCheck {
  users: number;
  /** Users with exactly one `delivered` row for the year. */
  deliveredOnce: number;
  /** Rows by status, for every status found. */
  rowsByStatus: Record<string, number>;
  /** Every user delivered exactly once and no row in any other status. */
  exactlyOnce: boolean;
}

/** Reads the ledger straight from Postgres, as an operator would check it. */
export async function checkLedger(
  databaseUrl: string,
  userIds: string[],
  occurrenceYear: number,
): Promise<LedgerCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const byStatus = await client.query<{ status: string; rows: string }>(
      `SELECT status::text AS status, count(*) AS rows FROM deliveries
        WHERE user_id = ANY($1::uuid[]) AND event_type = 'birthday' AND occurrence_year = $2 GROUP BY status`,
      [userIds, occurrenceYear],
    );
    const once = await client.query<{ users: string }>(
      `SELECT count(*) AS users FROM (
         SELECT user_id FROM deliveries
          WHERE user_id = ANY($1::uuid[]) AND event_type = 'birthday' AND occurrence_year = $2 AND status = 'delivered'
          GROUP BY user_id HAVING count(*) = 1) AS delivered_once`,
      [userIds, occurrenceYear],
    );
    const rowsByStatus = Object.fromEntries(byStatus.rows.map((row) => [row.status, Number(row.rows)]));
    const deliveredOnce = Number(once.rows[0]?.users ?? 0);
    const otherRows = Object.entries(rowsByStatus).filter(([status]) => status !== 'delivered');
    return {
      users: userIds.length,
      deliveredOnce,
      rowsByStatus,
      exactlyOnce:
        deliveredOnce === userIds.length && otherRows.length === 0 && rowsByStatus.delivered === userIds.length,
    };
  } finally {
    await client.end();
  }
}
