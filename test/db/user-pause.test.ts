import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import {
  findLiveUser,
  pauseUser,
  restoreUser,
  resumeUser,
  softDeleteUser,
  updateLiveUser,
  type UserFields,
} from '../../src/db/users';
import { createUserRow } from '../support/fixtures';
import { useTestDb } from '../support/test-db';

// A user's pause lives in Postgres: the API and the workflow's signal handlers write it, every plan and every
// delivery attempt read it.

let db: Db;
useTestDb((opened) => (db = opened));

const ada: UserFields = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };
const MINUTE_MS = 60_000;

const rowOf = (id: string) => db.user.findUniqueOrThrow({ where: { id } });

test('pauseUser pauses from now with the reason; a second pause keeps the instant and replaces the reason', async () => {
  const user = await createUserRow(db, ada);
  const first = new Date(Date.now() + MINUTE_MS);
  const second = new Date(Date.now() + 2 * MINUTE_MS);

  const paused = await pauseUser(db, user.id, 'on leave', first, false);
  expect(paused).toMatchObject({ id: user.id, pause: { since: first.toISOString(), reason: 'on leave' } });
  expect(paused!.updatedAt).toBe(first.toISOString());

  const again = await pauseUser(db, user.id, null, second, false);
  expect(again?.pause).toEqual({ since: first.toISOString(), reason: null });
  expect(await findLiveUser(db, user.id)).toEqual(again);
});

test('resumeUser ends the pause; resuming a user who is not paused changes nothing', async () => {
  const user = await createUserRow(db, ada);
  await pauseUser(db, user.id, 'on leave', new Date(), false);

  const resumed = await resumeUser(db, user.id, new Date(Date.now() + MINUTE_MS), false);
  expect(resumed?.pause).toBeNull();
  expect(await rowOf(user.id)).toMatchObject({ pausedAt: null, pauseReason: null });

  const unchanged = await resumeUser(db, user.id, new Date(Date.now() + 2 * MINUTE_MS), false);
  expect(unchanged).toEqual(resumed);
});

test('flagForSync flags the row for the reconciler (the API); without it the flag is left as it was (the workflow)', async () => {
  const user = await createUserRow(db, ada);
  const now = new Date();

  await pauseUser(db, user.id, null, now, false);
  expect((await rowOf(user.id)).workflowSyncRequestedAt).toBeNull();
  await resumeUser(db, user.id, now, false);
  expect((await rowOf(user.id)).workflowSyncRequestedAt).toBeNull();

  await pauseUser(db, user.id, 'x', now, true);
  expect((await rowOf(user.id)).workflowSyncRequestedAt).toEqual(now);
  const later = new Date(now.getTime() + MINUTE_MS);
  await resumeUser(db, user.id, later, true);
  expect((await rowOf(user.id)).workflowSyncRequestedAt).toEqual(later);
});

test('an unknown or deleted user is null, and a deleted row is left as it is', async () => {
  expect(await pauseUser(db, '00000000-0000-4000-8000-000000000000', null, new Date(), true)).toBeNull();
  expect(await resumeUser(db, '00000000-0000-4000-8000-000000000000', new Date(), true)).toBeNull();

  const user = await createUserRow(db, ada);
  const deletedAt = new Date();
  await softDeleteUser(db, user.id, deletedAt);
  expect(await pauseUser(db, user.id, 'x', new Date(), false)).toBeNull();
  expect(await rowOf(user.id)).toMatchObject({ pausedAt: null, workflowSyncRequestedAt: deletedAt });
});

test('a PUT that is put back (restoreUser) leaves the pause alone', async () => {
  const user = await createUserRow(db, ada);
  const pausedAt = new Date();
  await pauseUser(db, user.id, 'on leave', pausedAt, false);
  const previous = (await findLiveUser(db, user.id))!;
  const saved = await updateLiveUser(db, user.id, { ...ada, timezone: 'Asia/Kolkata' }, new Date());

  await restoreUser(db, previous, saved!.user.updatedAt, new Date());

  expect(await findLiveUser(db, user.id)).toMatchObject({
    timezone: 'Europe/London',
    pause: { since: pausedAt.toISOString(), reason: 'on leave' },
  });
});

describe('updateLiveUser says whether the workflow must learn the change', () => {
  test('a name or email only, on a row in step: saved, not flagged', async () => {
    const user = await createUserRow(db, ada);
    const saved = await updateLiveUser(
      db,
      user.id,
      { ...ada, lastName: 'King', email: `ada-${randomUUID()}@example.com` },
      new Date(),
    );

    expect(saved).toMatchObject({ workflowSyncNeeded: false, user: { lastName: 'King' }, previous: user });
    expect((await rowOf(user.id)).workflowSyncRequestedAt).toBeNull();
  });

  test.each([
    ['the birthday', { birthday: '1990-12-11' }],
    ['the zone', { timezone: 'Asia/Kolkata' }],
    ['the anniversary (added)', { anniversary: '2015-06-20' }],
  ])('a change of %s: flagged', async (_label, change) => {
    const user = await createUserRow(db, ada);
    const now = new Date();
    const saved = await updateLiveUser(db, user.id, { ...ada, ...change }, now);

    expect(saved?.workflowSyncNeeded).toBe(true);
    expect((await rowOf(user.id)).workflowSyncRequestedAt).toEqual(now);
  });

  test('an anniversary removed: flagged; the same anniversary sent again: not', async () => {
    const user = await createUserRow(db, { ...ada, anniversary: '2015-06-20' });
    const same = await updateLiveUser(db, user.id, { ...ada, anniversary: '2015-06-20' }, new Date());
    const removed = await updateLiveUser(db, user.id, { ...ada, anniversary: null }, new Date());

    expect(same?.workflowSyncNeeded).toBe(false);
    expect(removed).toMatchObject({ workflowSyncNeeded: true, user: { anniversary: null } });
  });

  test('a name only, on a row still flagged (an earlier change the workflow has not confirmed): flagged', async () => {
    const user = await createUserRow(db, ada);
    await pauseUser(db, user.id, null, new Date(), true);
    const now = new Date(Date.now() + MINUTE_MS);
    const saved = await updateLiveUser(db, user.id, { ...ada, lastName: 'King' }, now);

    expect(saved?.workflowSyncNeeded).toBe(true);
    expect((await rowOf(user.id)).workflowSyncRequestedAt).toEqual(now);
  });

  test('a deleted user is null', async () => {
    const user = await createUserRow(db, ada);
    await softDeleteUser(db, user.id, new Date());
    expect(await updateLiveUser(db, user.id, ada, new Date())).toBeNull();
  });
});
