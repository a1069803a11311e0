import path from 'node:path';
import { copyOfTemplateDatabase } from './test-databases';

// Runs before each integration test file (jest's setupFilesAfterEnv), so this hook comes before the file's own: the
// file's database (TEST_DATABASE_URL, which testDb() and child processes use) is a fresh copy of the migrated
// template. Files run side by side; a count, a sweep or a claim over every row sees only the file's own rows.
beforeAll(async () => {
  // Named after the file's folder and name: two files of one name in different folders may share a Jest worker.
  const testPath = expect.getState().testPath ?? 'test';
  const file = `${path.basename(path.dirname(testPath))}_${path.basename(testPath, '.test.ts')}`;
  process.env.TEST_DATABASE_URL = await copyOfTemplateDatabase(file);
});
