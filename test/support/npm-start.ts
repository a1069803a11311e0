import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** `npm start`'s entry file, run as the package.json script runs it (see ServiceProcess). */
export const START_ALL = 'scripts/dev/start-all.ts';

/** What npm start prints once it is ready. */
export const RUNNING = 'yearly-greetings is running';

/** A fresh DATA_DIR; run as root, the embedded Postgres runs as the `postgres` user, which must reach it. */
export async function npmStartDataDir(name: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `yearly-greetings-${name}-`));
  await chmod(dataDir, 0o755);
  return dataDir;
}

/** Free ports for everything npm start listens on, by the setting that chooses each. */
export async function npmStartPorts() {
  return {
    PORT: await freePort(),
    EMBEDDED_POSTGRES_PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    WEBHOOK_RECEIVER_PORT: await freePort(),
  };
}

/** The test's environment with those ports, DATA_DIR, and the `temporal` CLI the test setup installed. */
export function npmStartEnv(ports: Record<string, number>, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    DATA_DIR: dataDir,
    TEMPORAL_CLI_PATH: process.env.TEST_TEMPORAL_CLI,
  };
}
