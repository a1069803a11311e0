import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../scripts/dev/embedded-postgres';
import { freePort } from '../support/free-port';

/** npm start's embedded Postgres: what it says when it cannot start. */
let dir: string;
let blocker: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'embedded-postgres-'));
  // Run as root, Postgres runs as the `postgres` user, which must reach it.
  await chmod(dir, 0o755);
});

afterEach(async () => {
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
  await rm(dir, { recursive: true, force: true });
});

test('a port that is taken fails the start with the server’s own words, not an empty error', async () => {
  const port = await freePort();
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));

  const start = startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, persistent: false });

  await expect(start).rejects.toThrow(
    new RegExp(`Postgres did not start on 127\\.0\\.0\\.1:${port}: [\\s\\S]*Address already in use`),
  );
}, 60_000);
