// Keyset pagination shared by the lists: a page is the rows after the last one the client saw, in a fixed order on
// an immutable, unique key, so rows never shift between pages the way they do with OFFSET.

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** The cursor was not produced by this list for this query: garbled, from another list, or for another filter. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * The page of a query that fetched `limit + 1` rows: the extra row only says whether there is a next page, and the
 * cursor names the last row kept.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

/** Opaque to clients: the last row's sort key and the query's filter, in base64url. */
export function encodeCursor(fields: readonly string[]): string {
  return Buffer.from(fields.join('|')).toString('base64url');
}

/** The fields of a cursor, at most `count` of them; the caller checks each one. */
export function decodeCursor(cursor: string, count: number): (string | undefined)[] {
  const fields = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (fields.length > count) throw new InvalidCursorError('invalid cursor');
  return fields;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function cursorUuid(field: string | undefined): string {
  if (!field || !UUID.test(field)) throw new InvalidCursorError('invalid cursor');
  return field;
}

export function cursorInstant(field: string | undefined): Date {
  const instant = new Date(field ?? '');
  if (!field || !ISO_INSTANT.test(field) || Number.isNaN(instant.getTime())) {
    throw new InvalidCursorError('invalid cursor');
  }
  return instant;
}

export function cursorInteger(field: string | undefined): number {
  if (!field || !/^-?\d{1,9}$/.test(field)) throw new InvalidCursorError('invalid cursor');
  return Number(field);
}

/** The query the cursor was issued for must be the query it is used with. */
export function cursorScope(field: string | undefined, expected: string | undefined): void {
  if (field !== expected) throw new InvalidCursorError('the cursor belongs to another query');
}
