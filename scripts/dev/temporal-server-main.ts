/**
 * `npm run temporal-server -- --data-dir DIR [--port N] [--postgres-port N] [--namespace NAME]`: the Temporal server
 * of docker-compose.yml (built from source on first use, about 10 minutes) on an embedded Postgres of its own in
 * DIR/postgres, as compose gives Temporal a Postgres apart from the app's. Prints the address to give
 * `TEMPORAL_ADDRESS`; Ctrl-C stops the server, then Postgres. Data stays in DIR.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../src/dev/free-port';
import { startEmbeddedPostgres } from './embedded-postgres';
import { stopInOrderOnSignal } from './stop-in-order';
import { startTemporalServer } from './temporal-server';

const USAGE =
  'usage: npm run temporal-server -- --data-dir DIR [--port 7233] [--postgres-port N] [--namespace default]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '7233' },
      'postgres-port': { type: 'string' },
      namespace: { type: 'string', default: 'default' },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new UsageError('--data-dir is required');
  const port = portOf('--port', values.port);
  const postgresPort = values['postgres-port'] ? portOf('--postgres-port', values['postgres-port']) : await freePort();
  const dir = path.resolve(dataDir);
  const log = (line: string) => console.log(`[temporal-server] ${line}`);

  const { stops, shutdown } = stopInOrderOnSignal();

  try {
    const started = Date.now();
    log(`embedded Postgres on 127.0.0.1:${postgresPort} (data in ${dir}/postgres)`);
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'postgres'),
      port: postgresPort,
      database: 'postgres',
    });
    stops.push(postgres.stop);
    const url = new URL(postgres.url);
    const server = await startTemporalServer({
      postgres: { host: url.hostname, port: postgresPort, user: url.username, password: url.password },
      dataDir: path.join(dir, 'temporal'),
      port,
      namespace: values.namespace,
      logFile: path.join(dir, 'temporal-server.log'),
      log,
    });
    stops.push(server.stop);
    console.log(
      [
        '',
        `Temporal server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        `  TEMPORAL_ADDRESS=${server.address}  (namespace ${values.namespace})`,
        `  Postgres         ${url.hostname}:${postgresPort} (databases temporal, temporal_visibility)`,
        `  log              ${path.join(dir, 'temporal-server.log')}`,
        '',
        `Run the service against it: TEMPORAL_ADDRESS=${server.address} npm start`,
        'Ctrl-C stops the server and Postgres.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : `start-up failed: ${String(error)}`);
    await shutdown(1);
  }
}

class UsageError extends Error {}

function portOf(flag: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`${flag} must be a port number`);
  return port;
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : String(error));
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
