import type { Db } from '../db/client';
import { findLiveUserByEmail, findLiveUserByExternalId, type User, type UserFields } from '../db/users';
import type { UserService } from './user-service';

/** A row of a bulk import, already validated as a create's body; `line` says where it was in what was sent. */
export interface ImportRow {
  line: number;
  fields: UserFields;
}

export type ImportedRow =
  | { line: number; outcome: 'created' | 'updated' | 'unchanged'; userId: string }
  /** The error the create or update threw, as POST or PUT would have met it; `userId` when a user was saved. */
  | { line: number; outcome: 'refused'; error: Error; userId?: string };

/**
 * Rows worked on at once within one import: half of what admission control lets talk to Temporal at once by default
 * (API_MAX_CHANGES_IN_FLIGHT), so that two imports in flight keep it busy and other callers still get in.
 */
const ROWS_AT_ONCE = 16;
/** How long one import request keeps asking admission control to take its rows before it answers 429. */
const ADMISSION_PATIENCE_MS = 30_000;

/**
 * Imports users row by row through the same paths as POST and PUT (so every workflow starts or replans, and admission
 * control applies), matching each row to a live user so that importing the same rows again creates nobody twice:
 * by `externalId` when the row has one, else (or when no user has it yet) by email, whatever its case. A matched
 * user whose fields all equal the row is left alone.
 */
export class UserImport {
  constructor(
    private readonly db: Db,
    private readonly users: UserService,
    /** The fields a create takes (the create schema's keys): a row equal to a user on all of them is unchanged. */
    private readonly fieldNames: readonly string[],
    private readonly rowsAtOnce = ROWS_AT_ONCE,
  ) {}

  /**
   * The outcome of each row, in the order given. Rows that name the same person (externalId or email) are done one
   * after the other in that order, so a file that lists someone twice ends with its last row. A row refused by
   * admission control (OverloadedError) waits its Retry-After and is tried again; once the request has waited
   * for ADMISSION_PATIENCE_MS, the import stops there and the error is thrown: rows done before stay done, and
   * sending the same rows again finds them unchanged.
   */
  async importRows(rows: readonly ImportRow[]): Promise<ImportedRow[]> {
    const results: ImportedRow[] = new Array<ImportedRow>(rows.length);
    const lastOfKey = new Map<string, Promise<unknown>>();
    let next = 0;
    let stopped: Error | undefined;
    const admission = { giveUpAt: Date.now() + ADMISSION_PATIENCE_MS };
    const lane = async () => {
      while (next < rows.length && stopped === undefined) {
        const index = next++;
        const row = rows[index]!;
        const keys = personKeys(row.fields);
        const earlier = keys.flatMap((key) => lastOfKey.get(key) ?? []);
        const done = Promise.all(earlier).then(() => this.importRow(row, admission));
        for (const key of keys) {
          lastOfKey.set(
            key,
            done.catch(() => undefined),
          );
        }
        try {
          results[index] = await done;
        } catch (error) {
          stopped ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.rowsAtOnce, rows.length) }, lane));
    if (stopped !== undefined) throw stopped;
    return results;
  }

  private async importRow(row: ImportRow, admission: { giveUpAt: number }): Promise<ImportedRow> {
    for (;;) {
      try {
        return await this.importRowOnce(row);
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'OverloadedError') throw error;
        const waitMs = ((error as Error & { retryAfterSeconds?: number }).retryAfterSeconds ?? 1) * 1000;
        if (Date.now() + waitMs > admission.giveUpAt) throw error;
        await new Promise((done) => setTimeout(done, waitMs));
      }
    }
  }

  /** The row's outcome; throws only OverloadedError (nothing was saved) and what is not an Error. */
  private async importRowOnce(row: ImportRow): Promise<ImportedRow> {
    const { line, fields } = row;
    try {
      const match = await this.matchOf(fields);
      if (match && this.sameFields(match, fields)) return { line, outcome: 'unchanged', userId: match.id };
      if (match) {
        const updated = await this.users.update(match.id, fields);
        // Deleted since it was matched: the row names nobody live any more, so it makes a new user.
        if (updated) return { line, outcome: 'updated', userId: updated.user.id };
      }
      const { user } = await this.users.create(fields);
      return { line, outcome: 'created', userId: user.id };
    } catch (error) {
      if (!(error instanceof Error) || error.name === 'OverloadedError') throw error;
      const saved = (error as { user?: User | null }).user;
      return { line, outcome: 'refused', error, ...(saved && { userId: saved.id }) };
    }
  }

  private async matchOf(fields: UserFields): Promise<User | null> {
    if (fields.externalId) {
      const byExternalId = await findLiveUserByExternalId(this.db, fields.externalId);
      if (byExternalId) return byExternalId;
    }
    if (!fields.email) return null;
    const byEmail = await findLiveUserByEmail(this.db, fields.email);
    // A user known by another externalId is another person: the create that follows is refused as email_taken.
    if (byEmail && fields.externalId && byEmail.externalId !== null) return null;
    return byEmail;
  }

  private sameFields(user: User, fields: UserFields): boolean {
    const saved = user as unknown as Record<string, unknown>;
    const sent = fields as unknown as Record<string, unknown>;
    // A field the row leaves out is cleared by the update (PUT replaces every field), so it counts as null.
    return this.fieldNames.every((name) => (saved[name] ?? null) === (sent[name] ?? null));
  }
}

/** What names a person in a row: rows sharing one are done in order. */
function personKeys(fields: UserFields): string[] {
  return [
    ...(fields.externalId ? [`externalId:${fields.externalId}`] : []),
    ...(fields.email ? [`email:${fields.email.toLowerCase()}`] : []),
  ];
}
