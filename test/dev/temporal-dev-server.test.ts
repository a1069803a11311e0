import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTemporalDevServer } from '../../scripts/dev/temporal-dev-server';
import { testTemporalCli } from '../support/environment';
import { freePort } from '../support/free-port';

/** npm start's dev server, with the real `temporal` CLI: what it says when it cannot start. */
let dir: string;
let blocker: Server | undefined;
const sockets = new Set<Socket>();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dev-server-'));
});

afterEach(async () => {
  // The start's probes connected to the blocker; close waits for them.
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
  await rm(dir, { recursive: true, force: true });
});

test('a port the operator chose that is taken fails the start at once, with the server’s own words', async () => {
  // The Web UI's port: the frontend's stays free, so the start's probes meet a refused connection, not the blocker.
  const uiPort = await freePort();
  blocker = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => blocker!.listen(uiPort, '127.0.0.1', resolve));
  const started = Date.now();
  const start = startTemporalDevServer({
    cliPath: testTemporalCli(),
    dbFile: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal-dev-server.log'),
    port: await freePort(),
    uiPort,
    namespace: 'default',
  });
  await expect(start).rejects.toThrow(
    new RegExp(
      `did not start \\(Error: exited with 1\\)[\\s\\S]*127\\.0\\.0\\.1:${uiPort}: bind: address already in use`,
    ),
  );
  // Not tried again: nothing but the operator can free the port.
  expect(Date.now() - started).toBeLessThan(20_000);
}, 60_000);
