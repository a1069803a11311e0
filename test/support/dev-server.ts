import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { startDevServer, testDb } from './environment';

export interface DevServerSetup {
  env: TestWorkflowEnvironment;
  /** The run's shared Postgres. */
  db: Db;
}

/**
 * A real dev server (each run it holds replayed against the current code at teardown) and the run's Postgres for the
 * calling file's tests, handed to `use` once up; torn down, and Postgres disconnected, after the file. Declare it
 * before the file's own hooks, so the server is up when they run.
 */
export function useDevServer(use: (setup: DevServerSetup) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    db = testDb();
    env = await startDevServer();
    use({ env, db });
  });
  afterAll(async () => {
    await env?.teardown();
    await db?.$disconnect();
  });
}
