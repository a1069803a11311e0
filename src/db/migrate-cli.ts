import { loadConfig } from '../config/config';
import { migrate } from './migrate';

/** `npm run migrate`: applies prisma/migrations to the Postgres named by DATABASE_URL. */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig();
  if (!DATABASE_URL) {
    console.error(
      'DATABASE_URL is not set. Set it to the Postgres to migrate, e.g.\n' +
        '  DATABASE_URL=postgresql://user:password@localhost:5432/yearly_greetings npm run migrate\n' +
        '(`npm start` migrates its embedded Postgres by itself.)',
    );
    process.exitCode = 1;
    return;
  }
  const { applied } = await migrate(DATABASE_URL, { log: (line) => console.log(line) });
  console.log(
    applied.length === 0
      ? 'The database is up to date: no migration to apply.'
      : `Applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
