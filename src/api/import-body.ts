import { ApiError } from './errors';

/** One row of an import's body as sent, before it is judged: where it was and what it held. */
export type SentRow = { line: number; value: unknown } | { line: number; notJson: true };

/** The most rows one import request may carry; more is 413, like a body over its size. */
export const MAX_IMPORT_ROWS = 10_000;

const JSON_TYPE = /^application\/json\b/i;
const NDJSON_TYPE = /^application\/(x-)?ndjson\b/i;

/**
 * The rows of POST /users/import: a JSON array (each item's line is its 1-based position) or NDJSON, one JSON value a
 * line (each row's line is its line in the body; blank lines are skipped, a line that is not JSON is a row of its
 * own that is refused). A body that is neither is refused whole with the API's usual error body.
 */
export function sentRows(contentType: string | undefined, text: string): SentRow[] {
  if (NDJSON_TYPE.test(contentType ?? '')) return boundedLines(ndjsonRows(text));
  if (!JSON_TYPE.test(contentType ?? '')) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'send the rows as a JSON array (application/json) or as NDJSON (application/x-ndjson)',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (!Array.isArray(parsed)) {
    throw new ApiError(400, 'validation_failed', 'the body is not valid', [
      { path: '', message: 'expected an array of users (or NDJSON, one user a line)' },
    ]);
  }
  if (parsed.length > MAX_IMPORT_ROWS) {
    // The document's maxItems: an array over it breaks the body's schema, like any other field that does.
    throw new ApiError(400, 'validation_failed', 'the body is not valid', [
      { path: '', message: `at most ${MAX_IMPORT_ROWS} rows (this one has ${parsed.length}); send them in parts` },
    ]);
  }
  return parsed.map((value: unknown, index) => ({ line: index + 1, value }));
}

function ndjsonRows(text: string): SentRow[] {
  const rows: SentRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    try {
      rows.push({ line: index + 1, value: JSON.parse(line) as unknown });
    } catch {
      rows.push({ line: index + 1, notJson: true });
    }
  });
  return rows;
}

/** NDJSON's lines have no schema to break: more of them than an import takes is a body too large. */
function boundedLines(rows: SentRow[]): SentRow[] {
  if (rows.length > MAX_IMPORT_ROWS) {
    throw new ApiError(
      413,
      'payload_too_large',
      `an import takes at most ${MAX_IMPORT_ROWS} rows (this one has ${rows.length}); send them in parts`,
    );
  }
  return rows;
}
