import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../scripts/dev/embedded-postgres';
import { migrate } from '../../src/db/migrate';
import { ensureTemporalCli } from '../../scripts/tools/temporal-cli';
import { ensureTimeSkippingTestServer } from '../../scripts/tools/test-server';
import { freePort } from './free-port';

/**
 * Once per test run: a real Postgres holding a migrated template database (each test file works on a copy of it, see
 * test-databases.ts), the paths of the real Temporal servers, and one workflow bundle (bundling per test file would
 * cost seconds each). Handed over through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-test-'));
  // Run as root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  await chmod(workDir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(workDir, 'postgres'),
    port: await freePort(),
    persistent: false,
    // A test run's data is thrown away: no waiting on the disk for it (a copy of the template is a file copy).
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  (globalThis as { testPostgres?: typeof postgres }).testPostgres = postgres;
  // Nothing may stay connected to the template: Postgres copies a database only while no one is using it.
  await migrate(postgres.url);
  process.env.TEST_TEMPLATE_DATABASE_URL = postgres.url;

  process.env.TEST_TEMPORAL_CLI = await ensureTemporalCli();
  process.env.TEST_TIME_SKIPPING_SERVER = await ensureTimeSkippingTestServer();

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
