import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { startTimeSkippingServer, testDb } from './environment';

export interface TimeSkippingSetup {
  env: TestWorkflowEnvironment;
  /** The run's shared Postgres. */
  db: Db;
}

/**
 * The real time-skipping test server and the run's Postgres for the calling file's tests, handed to `use` once they
 * are up: one server for the whole file, or with `perTest` a fresh one for each test, so that workflows a test leaves
 * sleeping cannot wake up in the next one (the test server does not skip time past work pending on a queue nobody
 * polls any more). Torn down, and Postgres disconnected, after. Hooks run in the order they are declared: declare
 * this first, so the server is up before the file's own hooks use it.
 */
export function useTimeSkippingServer(options: { perTest?: boolean }, use: (setup: TimeSkippingSetup) => void): void {
  let db: Db | undefined;
  let env: TestWorkflowEnvironment | undefined;
  const start = async () => {
    db ??= testDb();
    env = await startTimeSkippingServer();
    use({ env, db });
  };
  const stop = async () => {
    await env?.teardown();
    env = undefined;
  };
  if (options.perTest) {
    beforeEach(start);
    afterEach(stop);
  } else {
    beforeAll(start);
    afterAll(stop);
  }
  afterAll(async () => {
    await db?.$disconnect();
  });
}
