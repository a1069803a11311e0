import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { activityPlanner } from '../support/planner';
import { createDb, type Db } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { findLiveUser } from '../../src/db/users';
import { testDb } from '../support/environment';

// Users and ledgers written before event types existed keep working once 20261201080000_anniversary is applied:
// a database migrated up to the migration before it gets rows the old way, then the rest of the migrations.
const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');
const ANNIVERSARY = '20261201080000_anniversary';

let workDir: string;
let url: string;
let db: Db | undefined;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'anniversary-migration-'));
  url = await emptyDatabase();
});

afterAll(async () => {
  await db?.$disconnect();
  await rm(workDir, { recursive: true, force: true });
});

async function emptyDatabase(): Promise<string> {
  const name = `test_anniversary_migration_${process.pid}`;
  const admin = testDb();
  try {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.$disconnect();
  }
  const base = new URL(process.env.TEST_DATABASE_URL!);
  base.pathname = `/${name}`;
  return base.toString();
}

/** The migrations folder as it was before the anniversary migration. */
async function migrationsBefore(name: string): Promise<string> {
  const before = path.join(workDir, 'before');
  await cp(MIGRATIONS_DIR, before, { recursive: true });
  const later = (await readdir(before)).filter((entry) => entry >= name);
  expect(later).toContain(name);
  for (const entry of later) await rm(path.join(before, entry), { recursive: true });
  return before;
}

test('a user and a delivered birthday from before: still planned and listed, no anniversary, and one can be added', async () => {
  await migrate(url, { migrationsDir: await migrationsBefore(ANNIVERSARY) });
  const old = createDb(url);
  const userId = '00000000-0000-4000-8000-000000000001';
  try {
    // Raw SQL: today's Prisma client knows a column the old schema lacks.
    await old.$executeRaw`
      INSERT INTO users (id, first_name, last_name, birthday, timezone, updated_at)
      VALUES (${userId}::uuid, 'Ada', 'Lovelace', '1990-12-10', 'Europe/London', now())`;
    await old.$executeRaw`
      INSERT INTO deliveries (id, user_id, event_type, occurrence_year, occurrence_date, scheduled_at, status,
                              idempotency_key, workflow_id, run_id, updated_at)
      VALUES (gen_random_uuid(), ${userId}::uuid, 'birthday', 2026, '2026-12-10', '2026-12-10T09:00:00Z', 'delivered',
              ${`birthday-2026-${userId}`}, ${`birthday-${userId}`}, 'run', now())`;
  } finally {
    await old.$disconnect();
  }

  await migrate(url, { migrationsDir: MIGRATIONS_DIR });
  db = createDb(url);

  expect(await findLiveUser(db, userId)).toMatchObject({ birthday: '1990-12-10', anniversary: null });
  const plan = activityPlanner({ db, deliveryTime: '09:00', maxLatenessMs: null });
  const nowMs = Date.parse('2026-12-20T00:00:00Z');
  // The delivered 2026 row still settles its year: next is 2027.
  expect(await plan.planDelivery({ userId, eventType: 'birthday', nowMs })).toMatchObject({ year: 2027 });
  expect(await plan.planDelivery({ userId, eventType: 'anniversary', nowMs })).toBeNull();
  await db.user.update({ where: { id: userId }, data: { anniversary: new Date('2015-06-20T00:00:00Z') } });
  expect(await plan.planDelivery({ userId, eventType: 'anniversary', nowMs })).toMatchObject({
    year: 2027,
    localDate: '2027-06-20',
  });
});
