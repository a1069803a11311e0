import { stringify } from 'csv-stringify/sync';
import type { GreetingsApi } from './greetings-api';

/** Users a page: GET /users's largest. */
const PAGE_SIZE = 500;

/**
 * Every live user as CSV, a page at a time, through GET /users: the header is `columns` (the fields a create takes,
 * so an import of the file finds every user unchanged), a null or missing field an empty cell. Returns the count.
 */
export async function exportUsers(
  api: GreetingsApi,
  columns: readonly string[],
  write: (csv: string) => Promise<void>,
): Promise<number> {
  await write(stringify([columns]));
  let cursor: string | null = null;
  let count = 0;
  do {
    const page = await api.listUsers(cursor, PAGE_SIZE);
    const records = page.items.map((user) => columns.map((column) => cellOf(user[column])));
    if (records.length > 0) await write(stringify(records));
    count += records.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
