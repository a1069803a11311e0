import type { Db } from '../../src/db/client';
import { isolatedTestDb, testDb } from './environment';

/**
 * The calling file's own Postgres (see database-per-file.ts), handed to `use` in beforeAll and disconnected after the
 * file. Hooks run in the order they are declared: declare this first, so the database is there for the file's own.
 */
export function useTestDb(use: (db: Db) => void): void {
  useDb(testDb, use);
}

/**
 * A database of its own beside the file's (see isolatedTestDb), for tests that must see no other test's rows, not
 * even those of the same file; handed to `use` in beforeAll and disconnected after the file, as useTestDb's.
 */
export function useIsolatedTestDb(label: string, use: (db: Db) => void): void {
  useDb(() => isolatedTestDb(label), use);
}

function useDb(open: () => Db | Promise<Db>, use: (db: Db) => void): void {
  let db: Db | undefined;
  beforeAll(async () => {
    db = await open();
    use(db);
  });
  afterAll(async () => {
    await db?.$disconnect();
  });
}
