import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

// Applies prisma/migrations the way `prisma migrate deploy` does, because its schema engine cannot be downloaded
// everywhere we run. The bookkeeping is Prisma's own, so the real `prisma migrate deploy` accepts the database later.

/** The advisory-lock key of Prisma Migrate: holding it keeps this runner and Prisma's engine from overlapping. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Prisma's DDL for its history table, verbatim (schema engine, Postgres flavour).
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export interface MigrateOptions {
  /** Folder holding `<name>/migration.sql` folders; defaults to the project's `prisma/migrations`. */
  migrationsDir?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** Names of the migrations this call applied, in order; empty when the database was up to date. */
  applied: string[];
}

/** A migration history this runner refuses to build on; nothing was changed. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface MigrationFile {
  name: string;
  script: string;
}

interface MigrationRecord {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, in name order, each in its own transaction.
 * Safe to call from several processes at once: they queue on Prisma's advisory lock and each migration runs once.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrationsDir = options.migrationsDir ?? findMigrationsDir();
  const migrations = await readMigrations(migrationsDir);

  const client = new Client({ connectionString: databaseUrl });
  // A dropped connection also rejects the pending query; without a listener the event would crash the process.
  client.on('error', (error) => log(`database connection error: ${error.message}`));
  await client.connect();
  try {
    await acquireLock(client, log);
    await ensureMigrationsTable(client);
    const history = await readHistory(client);
    checkHistory(history, migrations, log);

    const applied: string[] = [];
    for (const migration of migrations) {
      if (history.some((record) => record.migration_name === migration.name && record.rolled_back_at === null)) {
        continue;
      }
      log(`applying ${migration.name}`);
      await applyMigration(client, migration);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    // Closing the session releases the advisory lock.
    await client.end();
  }
}

/** sha256 hex of a migration script, as Prisma stores it in `_prisma_migrations.checksum`. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

// Looked up from this file rather than the working directory, so it is found from src/ and from a build in dist/.
function findMigrationsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new MigrationError(`no prisma/migrations folder above ${__dirname}`);
  }
}

async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  // Plain code-point order, like Prisma: the timestamp prefix makes it chronological.
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql (${file})`);
      return { name, script: await readFile(file, 'utf8') };
    }),
  );
}

async function acquireLock(client: Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY}) AS locked`,
  );
  if (rows[0]?.locked) return;
  // Another process is migrating (or Prisma is): wait for it rather than fail, then see what is left to do.
  log('waiting for another migration run to finish');
  await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY})`);
}

async function ensureMigrationsTable(client: Client): Promise<void> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()`,
  );
  const tables = rows.map((row) => row.relname);
  if (tables.includes('_prisma_migrations')) return;
  // Prisma's rule (P3005): a database with tables but no history was not made by these migrations.
  if (tables.length > 0) {
    throw new MigrationError(
      `the database already has tables (${tables.join(', ')}) but no _prisma_migrations table; ` +
        'it was not created by these migrations (baseline it with `prisma migrate resolve --applied <name>`)',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
}

async function readHistory(client: Client): Promise<MigrationRecord[]> {
  const { rows } = await client.query<MigrationRecord>(
    `SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs
     FROM _prisma_migrations ORDER BY started_at`,
  );
  return rows;
}

function checkHistory(history: MigrationRecord[], migrations: MigrationFile[], log: (line: string) => void): void {
  // Prisma's rule (P3009): a migration that started and neither finished nor was rolled back left the schema in an
  // unknown state; a person must look at it before anything else is applied.
  const failed = history.filter((record) => record.finished_at === null && record.rolled_back_at === null);
  if (failed.length > 0) {
    const details = failed.map(
      (record) =>
        `  ${record.migration_name} (started ${record.started_at.toISOString()})` +
        (record.logs?.trim() ? `: ${record.logs.trim()}` : ''),
    );
    throw new MigrationError(
      `found failed migrations in the database, so no migration is applied:\n${details.join('\n')}\n` +
        'Repair the schema, then mark each one with `prisma migrate resolve --applied <name>` ' +
        'or `--rolled-back <name>`.',
    );
  }

  for (const record of history) {
    if (record.rolled_back_at !== null) continue;
    const file = migrations.find((migration) => migration.name === record.migration_name);
    if (!file) {
      log(`note: ${record.migration_name} is applied in the database but missing from the migrations folder`);
      continue;
    }
    if (!scriptMatchesChecksum(file.script, record.checksum)) {
      throw new MigrationError(
        `migration ${record.migration_name} was modified after it was applied: the database recorded checksum ` +
          `${record.checksum}, the file now has ${migrationChecksum(file.script)}. ` +
          'Restore the file and put the change in a new migration.',
      );
    }
  }
}

// Like Prisma, accept the file with either line ending: git may have converted them on checkout.
function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\r?\n/g, '\r\n')];
  return variants.some((variant) => migrationChecksum(variant) === checksum);
}

// The record and the script commit together: a failing script leaves no trace, so fixing it and rerunning is enough
// (Prisma itself records a failed row there, since its script and record are not in one transaction).
async function applyMigration(client: Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
      [id, migrationChecksum(migration.script), migration.name],
    );
    // No parameters: node-postgres then uses the simple protocol, which runs a script of many statements.
    await client.query(migration.script);
    await client.query(
      `UPDATE _prisma_migrations
       SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
       WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${reason}`, { cause: error });
  }
}
