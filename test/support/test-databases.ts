import { Client } from 'pg';

/**
 * Test databases. Global setup migrates one template database in the run's Postgres (TEST_TEMPLATE_DATABASE_URL);
 * every test file gets a copy of its own before its first hook (test/support/database-per-file.ts), so files that
 * run side by side never see each other's rows, and a copy costs a file copy, not a migration.
 */

const TEMPLATE_URL = 'TEST_TEMPLATE_DATABASE_URL';

function templateUrl(): URL {
  const value = process.env[TEMPLATE_URL];
  if (!value) throw new Error(`${TEMPLATE_URL} is not set: run the tests through jest (global setup provides it)`);
  return new URL(value);
}

/** A URL of the run's Postgres naming another database on it. */
export function databaseUrl(database: string): string {
  const url = templateUrl();
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `body` on a connection to the server's maintenance database (`postgres`), where databases are made. */
export async function withMaintenanceConnection<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

let copies = 0;

/** A new database, a copy of the migrated template, named after `label`; returns its URL. */
export async function copyOfTemplateDatabase(label: string): Promise<string> {
  copies += 1;
  const suffix = `_${process.pid}_${copies}`;
  const name = `t_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63 - suffix.length) + suffix;
  const template = templateUrl().pathname.slice(1);
  await withMaintenanceConnection((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return databaseUrl(name);
}
