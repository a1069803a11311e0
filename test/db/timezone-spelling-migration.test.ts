import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../../src/db/client';
import { IANA_ZONE_NAMES } from '../../src/time/iana-zone-names';
import { useIsolatedTestDb } from '../support/test-db';

// The data migration that rewrites zone names stored as typed (`europe/london`) into IANA's spelling, run again on
// rows written the old way: it only touches live users whose zone is an IANA name in another letter case.
const MIGRATION = path.resolve(
  __dirname,
  '../../prisma/migrations/20261129230000_timezone_iana_spelling/migration.sql',
);
let db: Db;
useIsolatedTestDb('timezone_spelling', (opened) => (db = opened));

async function userIn(timezone: string, deleted = false) {
  const { id } = await db.user.create({
    data: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      birthday: new Date('1990-12-10'),
      timezone,
      deletedAt: deleted ? new Date() : null,
    },
  });
  return id;
}

test('rewrites live users’ zones to IANA’s spelling and flags them for the reconciler; leaves the rest', async () => {
  const lower = await userIn('europe/london');
  const link = await userIn('ASIA/CALCUTTA');
  const exact = await userIn('Europe/Paris');
  const unknown = await userIn('SystemV/AST4');
  const deleted = await userIn('europe/berlin', true);

  await db.$executeRawUnsafe(readFileSync(MIGRATION, 'utf8'));

  const rows = await db.user.findMany({ select: { id: true, timezone: true, workflowSyncRequestedAt: true } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  expect(byId.get(lower)).toMatchObject({ timezone: 'Europe/London', workflowSyncRequestedAt: expect.any(Date) });
  expect(byId.get(link)).toMatchObject({ timezone: 'Asia/Calcutta', workflowSyncRequestedAt: expect.any(Date) });
  expect(byId.get(exact)).toMatchObject({ timezone: 'Europe/Paris', workflowSyncRequestedAt: null });
  expect(byId.get(unknown)).toMatchObject({ timezone: 'SystemV/AST4', workflowSyncRequestedAt: null });
  expect(byId.get(deleted)).toMatchObject({ timezone: 'europe/berlin', workflowSyncRequestedAt: null });
});

test('its list of names is the service’s', () => {
  const sql = readFileSync(MIGRATION, 'utf8');
  expect([...sql.matchAll(/^ {2}\('([^']+)'\),?$/gm)].map((match) => match[1])).toEqual(IANA_ZONE_NAMES);
});
