import type { EventType } from '../domain/event-type';
import type { Pause } from '../domain/schedule-state';
import type { Db } from './client';
import { Prisma, type User as UserRow } from '../generated/prisma/client';
import { EVENT_TYPES } from '../greetings/events';
import { CursorLayout, toPage, type Page } from './keyset-page';
import { armOccurrence, disarmOccurrences, type ArmedOccurrence } from './armed-occurrences';
import { cancelPendingOccurrences, USER_DELETED } from './ledger';

/** A user as the rest of the service sees it: civil dates as `YYYY-MM-DD`, instants as ISO strings. */
export interface User {
  id: string;
  firstName: string;
  lastName: string;
  birthday: string;
  /** `YYYY-MM-DD`, or null when the user has no anniversary to greet. */
  anniversary: string | null;
  timezone: string;
  email: string | null;
  /** The caller's own id for the person (a CRM's key); unique among live users. */
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set while the user's greetings are paused: an occurrence due meanwhile is skipped. */
  pause: Pause | null;
  /**
   * For each event, since when its date and the zone have been as they are (the create, or the last edit of either):
   * a due moment before it was never owed. Not part of what the API answers.
   */
  scheduleSince: Record<EventType, string>;
}

export interface UserFields {
  firstName: string;
  lastName: string;
  birthday: string;
  /** Absent or null: no anniversary (a PUT without it removes one). */
  anniversary?: string | null | undefined;
  timezone: string;
  email?: string | null | undefined;
  externalId?: string | null | undefined;
}

const live = { deletedAt: null };

/** Another live user already has this email. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** Another live user already has this externalId. */
export class ExternalIdTakenError extends Error {
  override name = 'ExternalIdTakenError';
}

/** The Idempotency-Key a create was sent with, and the fingerprint of the fields it sent. */
export interface CreationKey {
  key: string;
  fingerprint: string;
}

/**
 * Inserts the user, flagged for the reconciler until its workflows are confirmed started. `armFirst` names the
 * occurrences to arm for the saved row (its first plan of each event): they are written in the same transaction, so a
 * user never exists without them, nor they without the user. A unique violation is ExternalIdTakenError on the
 * externalId, else EmailTakenError, also when it was `creation.key` (a concurrent create with the same key): the
 * caller looks that up.
 */
export async function insertUser(
  db: Db,
  fields: UserFields,
  now: Date,
  creation?: CreationKey,
  armFirst?: (user: User) => ArmedOccurrence[],
): Promise<User> {
  const data = {
    ...toRow(fields),
    // One instant for the create: the API's plan, and every later plan, judge what is owed from it.
    createdAt: now,
    updatedAt: now,
    birthdaySince: now,
    anniversarySince: now,
    workflowSyncRequestedAt: now,
    ...(creation && { creationKey: creation.key, creationFingerprint: creation.fingerprint }),
  };
  if (!armFirst) return toUser(await uniquenessChecked(() => db.user.create({ data })));
  return uniquenessChecked(() =>
    db.$transaction(async (tx) => {
      const user = toUser(await tx.user.create({ data }));
      for (const occurrence of armFirst(user)) await armOccurrence(tx, occurrence);
      return user;
    }),
  );
}

/** The user a create with this Idempotency-Key made, live or deleted, with what that create sent. */
export interface CreatedWithKey {
  user: User;
  fingerprint: string;
  deleted: boolean;
  /** Its workflow was never confirmed started, or a later change still waits for it. */
  workflowSyncPending: boolean;
}

export async function findUserByCreationKey(db: Db, key: string): Promise<CreatedWithKey | null> {
  const row = await db.user.findUnique({ where: { creationKey: key } });
  if (!row) return null;
  return {
    user: toUser(row),
    fingerprint: row.creationFingerprint ?? '',
    deleted: row.deletedAt !== null,
    workflowSyncPending: row.workflowSyncRequestedAt !== null,
  };
}

export async function findLiveUser(db: Db, id: string): Promise<User | null> {
  const row = await db.user.findFirst({ where: { id, ...live } });
  return row ? toUser(row) : null;
}

/** A PUT's fields as saved, the row they replaced, and whether the user's workflow must be told. */
export interface SavedUserChange {
  user: User;
  previous: User;
  /**
   * A date or the zone changed, or an earlier change is still waiting for the workflow (the row was flagged): the row
   * is flagged and the workflow must replan. Otherwise (a name or email only) the workflow has nothing to learn.
   */
  workflowSyncNeeded: boolean;
}

/**
 * Saves new fields. A change the workflow must learn is flagged for the reconciler until the workflow has taken it;
 * one it need not (a name or email on a row in step) leaves the row unflagged. The row is locked while deciding, so
 * a concurrent change is either seen or sees this one. Null if not live.
 */
export async function updateLiveUser(
  db: Db,
  id: string,
  fields: UserFields,
  now: Date,
): Promise<SavedUserChange | null> {
  return uniquenessChecked(() =>
    db.$transaction(async (tx) => {
      // NO KEY UPDATE: serializes changes to the row, yet lets a plan arming a ledger row for this user (its foreign key
      // takes KEY SHARE on the user) go on; FOR UPDATE deadlocked with it on the armed row this change disarms.
      await tx.$queryRaw`SELECT 1 FROM users WHERE id = ${id}::uuid AND deleted_at IS NULL FOR NO KEY UPDATE`;
      const row = await tx.user.findFirst({ where: { id, ...live } });
      if (!row) return null;
      const previous = toUser(row);
      const zoneChanged = previous.timezone !== fields.timezone;
      const birthdayChanged = zoneChanged || previous.birthday !== fields.birthday;
      const anniversaryChanged = zoneChanged || previous.anniversary !== (fields.anniversary ?? null);
      const workflowSyncNeeded = row.workflowSyncRequestedAt !== null || birthdayChanged || anniversaryChanged;
      const saved = toUser(
        await tx.user.update({
          where: { id },
          data: {
            ...toRow(fields),
            // A schedule edited now owes nothing due before now: a date moved to one just passed waits a year.
            ...(birthdayChanged && { birthdaySince: now }),
            ...(anniversaryChanged && { anniversarySince: now }),
            ...(workflowSyncNeeded && { workflowSyncRequestedAt: now }),
          },
        }),
      );
      // An event removed (an anniversary set to null): its occurrences waiting for an attempt will get none, as on
      // DELETE; its run is cancelled once the caller reaches Temporal.
      for (const event of EVENT_TYPES.filter((each) => each.dateOf(previous) !== null && each.dateOf(saved) === null)) {
        await cancelPendingOccurrences(tx, { userId: id, eventType: event.type });
      }
      // A new date or zone: the armed instant no longer stands; the run's next plan arms the new one.
      if (birthdayChanged) await disarmOccurrences(tx, id, 'birthday');
      if (anniversaryChanged) await disarmOccurrences(tx, id, 'anniversary');
      return { user: saved, previous, workflowSyncNeeded };
    }),
  );
}

/** Flags the user for the reconciler: the workflow must replan from the row (it was not told yet). */
export async function requestWorkflowSync(db: Db, id: string, now: Date): Promise<void> {
  // Raw SQL so updated_at keeps meaning "the user changed".
  await db.$executeRaw`
    UPDATE users SET workflow_sync_requested_at = ${now}
    WHERE id = ${id}::uuid AND deleted_at IS NULL`;
}

/**
 * Pauses the user's greetings from `now`, the instant the pause was asked; a user already paused keeps the instant the
 * pause began and takes the new reason. A pause asked before the pause or resume in force (a signal's write that
 * waited out an outage) changes nothing: the latest request wins, whichever way it came. `flagForSync` flags the row
 * for the reconciler (the API does, until the workflow has the signal; the workflow recording a pause it was
 * signalled does not). Null if there is no live user; else the row as it stands.
 */
export async function pauseUser(
  db: Db,
  id: string,
  reason: string | null,
  now: Date,
  flagForSync: boolean,
): Promise<User | null> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      UPDATE users
      SET paused_at = COALESCE(paused_at, ${now}::timestamptz),
          pause_reason = ${reason}::varchar,
          pause_asked_at = ${now}::timestamptz,
          updated_at = CASE WHEN paused_at IS NULL OR pause_reason IS DISTINCT FROM ${reason}::varchar
                            THEN ${now}::timestamptz ELSE updated_at END,
          workflow_sync_requested_at = CASE WHEN ${flagForSync}::boolean THEN ${now}::timestamptz
                                            ELSE workflow_sync_requested_at END
      WHERE id = ${id}::uuid AND deleted_at IS NULL ${askedSinceInForce(now)}`;
    const row = await tx.user.findFirst({ where: { id, ...live } });
    // No dispatcher sends to a paused user; the run records the occurrence as skipped when it wakes.
    if (row?.pausedAt) await disarmOccurrences(tx, id);
    return row ? toUser(row) : null;
  });
}

/**
 * Ends the user's pause (a user not paused stays as is), asked at `now`: as for pauseUser, a resume asked before the
 * pause or resume in force changes nothing. `flagForSync` as for pauseUser. Null if there is no live user.
 */
export async function resumeUser(db: Db, id: string, now: Date, flagForSync: boolean): Promise<User | null> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      UPDATE users
      SET paused_at = NULL,
          pause_reason = NULL,
          pause_asked_at = ${now}::timestamptz,
          updated_at = CASE WHEN paused_at IS NULL THEN updated_at ELSE ${now}::timestamptz END,
          workflow_sync_requested_at = CASE WHEN ${flagForSync}::boolean THEN ${now}::timestamptz
                                            ELSE workflow_sync_requested_at END
      WHERE id = ${id}::uuid AND deleted_at IS NULL ${askedSinceInForce(now)}`;
    const row = await tx.user.findFirst({ where: { id, ...live } });
    return row ? toUser(row) : null;
  });
}

/** Only a request asked no earlier than the pause or resume in force may change it. */
function askedSinceInForce(askedAt: Date): Prisma.Sql {
  return Prisma.sql`AND (pause_asked_at IS NULL OR pause_asked_at <= ${askedAt}::timestamptz)`;
}

/**
 * Puts back the fields a rejected change replaced, unless the row changed again since (`expectedUpdatedAt`); true
 * when it did. The workflow refused the change, but a plan of its own may have read the rejected row meanwhile, so
 * the row is flagged (`requestedAt`) until the runs are nudged to plan from the restored one. The pause is not a
 * field a PUT sets: it stays.
 */
export async function restoreUser(
  db: Db,
  previous: User,
  expectedUpdatedAt: string,
  requestedAt: Date,
): Promise<boolean> {
  const { count } = await db.user.updateMany({
    where: { id: previous.id, ...live, updatedAt: new Date(expectedUpdatedAt) },
    data: {
      ...toRow(previous),
      birthdaySince: new Date(previous.scheduleSince.birthday),
      anniversarySince: new Date(previous.scheduleSince.anniversary),
      workflowSyncRequestedAt: requestedAt,
    },
  });
  return count === 1;
}

/**
 * Marks the user deleted and frees the email; the row stays for the ledger's history. Flagged for the reconciler
 * until the workflow is confirmed cancelled. False if there was no live user.
 */
export async function softDeleteUser(db: Db, id: string, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id, ...live },
      data: { deletedAt: now, liveEmail: null, liveExternalId: null, workflowSyncRequestedAt: now },
    });
    // Occurrences waiting for an attempt will get none. One being sent is cancelled too, so a row whose attempt
    // crashed never stays `sending`; an attempt still running records its answer (a 2xx as delivered) when it ends.
    await tx.delivery.updateMany({
      where: { userId: id, status: { in: ['scheduled', 'pending', 'sending'] } },
      data: { status: 'cancelled', lastError: USER_DELETED },
    });
    return count === 1;
  });
}

/** Clears the reconciler's flag if no newer change raised it meanwhile (the flag still holds `requestedAt`). */
export async function markWorkflowSynced(db: Db, id: string, requestedAt: Date): Promise<void> {
  // Raw SQL so updated_at keeps meaning "the user changed", not "the flag was cleared".
  await db.$executeRaw`
    UPDATE users SET workflow_sync_requested_at = NULL
    WHERE id = ${id}::uuid AND workflow_sync_requested_at = ${requestedAt}`;
}

export interface UserAwaitingSync {
  user: User;
  deleted: boolean;
  requestedAt: Date;
}

/** Where a walk over the flagged users stands: the last user it read. */
export interface SyncPosition {
  requestedAt: Date;
  id: string;
}

/**
 * Users whose workflow has not confirmed their latest change, flagged before `olderThan`, oldest first, a page at
 * a time: the page after `after`, so that users who keep failing do not hide the ones behind them.
 */
export async function usersAwaitingSync(
  db: Db,
  olderThan: Date,
  limit: number,
  after?: SyncPosition,
): Promise<UserAwaitingSync[]> {
  const rows = await db.user.findMany({
    where: {
      workflowSyncRequestedAt: { lt: olderThan, ...(after && { gte: after.requestedAt }) },
      ...(after && {
        OR: [
          { workflowSyncRequestedAt: { gt: after.requestedAt } },
          { workflowSyncRequestedAt: after.requestedAt, id: { gt: after.id } },
        ],
      }),
    },
    orderBy: [{ workflowSyncRequestedAt: 'asc' }, { id: 'asc' }],
    take: limit,
  });
  return rows.map((row) => ({
    user: toUser(row),
    deleted: row.deletedAt !== null,
    requestedAt: row.workflowSyncRequestedAt!,
  }));
}

/**
 * The next `limit` live users by id after `after` (from the first, if null), each with whether a change of theirs
 * still waits for the reconciler's quick pass: the full sweep's page.
 */
export async function liveUsersAfter(
  db: Db,
  after: string | null,
  limit: number,
): Promise<{ user: User; flagged: boolean }[]> {
  const rows = await db.user.findMany({
    where: { ...live, ...(after !== null && { id: { gt: after } }) },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map((row) => ({ user: toUser(row), flagged: row.workflowSyncRequestedAt !== null }));
}

/** Of these ids, the live users, by id. */
export async function liveUsersById(db: Db, ids: string[]): Promise<Map<string, User>> {
  const rows = await db.user.findMany({ where: { id: { in: ids }, ...live } });
  return new Map(rows.map((row) => [row.id, toUser(row)]));
}

async function uniquenessChecked<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const uniqueViolation = error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
    if (uniqueViolation && violatedConstraintNames(error).includes('live_external_id')) {
      throw new ExternalIdTakenError('another user already has this externalId');
    }
    if (uniqueViolation) throw new EmailTakenError('another user already has this email');
    throw error;
  }
}

/** The columns or constraint of a unique violation as the error's metadata names them, however deeply. */
function violatedConstraintNames(error: Prisma.PrismaClientKnownRequestError): string {
  return JSON.stringify(error.meta ?? {});
}

export interface UserListQuery {
  limit: number;
  /** The previous page's nextCursor; absent for the first page. */
  cursor?: string | undefined;
  /** Only users in this IANA zone (exact name). */
  timezone?: string | undefined;
}

/** The cursor of the user list: the last user's (createdAt, id). */
export const userCursor = new CursorLayout(['instant', 'uuid']);

/**
 * Live users in creation order, a page at a time; the cursor is the last row's (createdAt, id), a position in that
 * order: with a `timezone` filter the page holds that zone's users after it, whichever list the cursor came from.
 *
 * Paging lists every user committed before it began exactly once, whatever is created meanwhile: the key is unique
 * and never changes, and each page starts strictly after the last. createdAt is the app's clock when Prisma builds
 * the INSERT, so a user created during paging can commit behind the cursor and be missed (so can any key taken
 * before commit, a sequence too); it is never listed twice.
 */
export async function listLiveUsers(db: Db, query: UserListQuery): Promise<Page<User>> {
  const after = query.cursor !== undefined ? decodeUserCursor(query.cursor) : null;
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
  return toPage(rows, query.limit, toUser, (row) => userCursor.encode([row.createdAt, row.id]));
}

function decodeUserCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = userCursor.decode(cursor);
  return { createdAt, id };
}

function toRow(fields: UserFields) {
  return {
    firstName: fields.firstName,
    lastName: fields.lastName,
    birthday: civilDate(fields.birthday),
    anniversary: fields.anniversary ? civilDate(fields.anniversary) : null,
    timezone: fields.timezone,
    email: fields.email ?? null,
    liveEmail: fields.email ? fields.email.toLowerCase() : null,
    externalId: fields.externalId ?? null,
    liveExternalId: fields.externalId ?? null,
  };
}

function civilDate(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** The columns a User is made of, as Prisma names them (raw queries alias theirs to match). */
export type UserColumns = Pick<
  UserRow,
  | 'id'
  | 'firstName'
  | 'lastName'
  | 'birthday'
  | 'anniversary'
  | 'timezone'
  | 'email'
  | 'externalId'
  | 'createdAt'
  | 'updatedAt'
  | 'pausedAt'
  | 'pauseReason'
  | 'birthdaySince'
  | 'anniversarySince'
>;

export function toUser(row: UserColumns): User {
  return {
    id: row.id,
    firstName: row.firstName,
    lastName: row.lastName,
    birthday: row.birthday.toISOString().slice(0, 10),
    anniversary: row.anniversary ? row.anniversary.toISOString().slice(0, 10) : null,
    timezone: row.timezone,
    email: row.email,
    externalId: row.externalId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    pause: row.pausedAt ? { since: row.pausedAt.toISOString(), reason: row.pauseReason } : null,
    scheduleSince: { birthday: row.birthdaySince.toISOString(), anniversary: row.anniversarySince.toISOString() },
  };
}

/** The live user with this externalId (exact), or null. */
export async function findLiveUserByExternalId(db: Db, externalId: string): Promise<User | null> {
  const row = await db.user.findUnique({ where: { liveExternalId: externalId } });
  return row ? toUser(row) : null;
}

/** The live user with this email, whatever its case, or null. */
export async function findLiveUserByEmail(db: Db, email: string): Promise<User | null> {
  const row = await db.user.findUnique({ where: { liveEmail: email.toLowerCase() } });
  return row ? toUser(row) : null;
}
