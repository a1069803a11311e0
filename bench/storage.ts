import { stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** Bytes Postgres uses: the whole database and each table of the service (with its indexes and TOAST). */
export async function postgresSizes(
  databaseUrl: string,
): Promise<{ database: number; tables: Record<string, number> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const database = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
    const tables = await client.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC`,
    );
    return {
      database: Number(database.rows[0]?.bytes ?? 0),
      tables: Object.fromEntries(tables.rows.map((row) => [row.name, Number(row.bytes)])),
    };
  } finally {
    await client.end();
  }
}

/** Bytes of the dev server's sqlite database in DATA_DIR (with its WAL and shared-memory files). */
export async function temporalSqliteBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    total += await stat(path.join(dataDir, `temporal.sqlite${suffix}`)).then(
      (found) => found.size,
      () => 0,
    );
  }
  return total;
}
