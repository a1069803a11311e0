import type { Db } from './client';
import type { User as UserRow } from '../generated/prisma/client';
import { cursorInstant, cursorScope, cursorUuid, decodeCursor, encodeCursor, toPage, type Page } from './keyset-page';

/** A user as the rest of the service sees it: civil dates as `YYYY-MM-DD`, instants as ISO strings. */
export interface User {
  id: string;
  firstName: string;
  lastName: string;
  birthday: string;
  timezone: string;
  email: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserFields {
  firstName: string;
  lastName: string;
  birthday: string;
  timezone: string;
  email?: string | null | undefined;
}

const live = { deletedAt: null };

export async function insertUser(db: Db, fields: UserFields): Promise<User> {
  return toUser(await db.user.create({ data: toRow(fields) }));
}

export async function findLiveUser(db: Db, id: string): Promise<User | null> {
  const row = await db.user.findFirst({ where: { id, ...live } });
  return row ? toUser(row) : null;
}

export async function updateLiveUser(db: Db, id: string, fields: UserFields): Promise<User | null> {
  const { count } = await db.user.updateMany({ where: { id, ...live }, data: toRow(fields) });
  return count === 0 ? null : findLiveUser(db, id);
}

/** Marks the user deleted; the row stays for the ledger's history. False if there was no live user. */
export async function softDeleteUser(db: Db, id: string, now: Date): Promise<boolean> {
  const { count } = await db.user.updateMany({ where: { id, ...live }, data: { deletedAt: now } });
  return count === 1;
}

/** Removes a user that never got a workflow (its creation is being undone). */
export async function removeUnscheduledUser(db: Db, id: string): Promise<void> {
  await db.user.deleteMany({ where: { id, deliveries: { none: {} } } });
}

export interface UserListQuery {
  limit: number;
  /** The previous page's nextCursor; absent for the first page. */
  cursor?: string | undefined;
  /** Only users in this IANA zone (exact name). */
  timezone?: string | undefined;
}

/**
 * Live users in creation order, a page at a time; the cursor is the last row's (createdAt, id) and the filter.
 *
 * Paging lists every user committed before it began exactly once, whatever is created meanwhile: the key is unique
 * and never changes, and each page starts strictly after the last. createdAt is the app's clock when Prisma builds
 * the INSERT, so a user created during paging can commit behind the cursor and be missed (so can any key taken
 * before commit, a sequence too); it is never listed twice.
 */
export async function listLiveUsers(db: Db, query: UserListQuery): Promise<Page<User>> {
  const after = query.cursor ? decodeUserCursor(query.cursor, query.timezone) : null;
  const rows = await db.user.findMany({
    where: {
      ...live,
      ...(query.timezone !== undefined && { timezone: query.timezone }),
      // The redundant `gte` lets Postgres start its index scan at the cursor instead of filtering from the start.
      ...(after && {
        createdAt: { gte: after.createdAt },
        OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
      }),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, toUser, (row) =>
    // The filter goes into the cursor so that it cannot be replayed with another one (see decodeUserCursor).
    encodeCursor([row.createdAt.toISOString(), row.id, ...(query.timezone !== undefined ? [query.timezone] : [])]),
  );
}

/** A cursor continues the query it came from: one issued for another zone, or for none, is refused. */
function decodeUserCursor(cursor: string, timezone: string | undefined): { createdAt: Date; id: string } {
  const [createdAt, id, scope] = decodeCursor(cursor, 3);
  cursorScope(scope, timezone);
  return { createdAt: cursorInstant(createdAt), id: cursorUuid(id) };
}

function toRow(fields: UserFields) {
  return {
    firstName: fields.firstName,
    lastName: fields.lastName,
    birthday: new Date(`${fields.birthday}T00:00:00.000Z`),
    timezone: fields.timezone,
    email: fields.email ?? null,
  };
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    firstName: row.firstName,
    lastName: row.lastName,
    birthday: row.birthday.toISOString().slice(0, 10),
    timezone: row.timezone,
    email: row.email,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
