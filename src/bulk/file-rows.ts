import { parse, type InfoDataSet } from 'csv-parse/sync';

/** What a row of the file says, with the error body it is refused with before it is sent, if it cannot be read. */
export interface RowRefusal {
  code: 'validation_failed' | 'invalid_json';
  message: string;
  details: { path: string; message: string }[];
}

/** A row of an import file: the line it starts on, and the user body it holds or why it cannot be sent. */
export type FileRow = { line: number; body: Record<string, unknown> } | { line: number; refusal: RowRefusal };

export type FileFormat = 'csv' | 'ndjson';

/** NDJSON for `.ndjson`/`.jsonl` files, CSV otherwise. */
export function formatOf(file: string): FileFormat {
  return /\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv';
}

export function fileRows(content: Buffer, format: FileFormat): FileRow[] {
  return format === 'csv' ? csvRows(content) : ndjsonRows(content.toString('utf8'));
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * A CSV whose header row names the API's create fields (`firstName,lastName,birthday,timezone,email,externalId`, in
 * any order; a field added to the API later is just another column). A cell left empty is a field left out, as in a
 * create without it. Quoted cells may hold commas, quotes and line breaks; a UTF-8 byte order mark is skipped. The
 * line of a row is the line it starts on.
 */
function csvRows(content: Buffer): FileRow[] {
  // With `info`, each record comes with where it ended (its types do not say so: csv-parse types only `columns`).
  const records = parse(content, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as unknown as { record: string[]; info: InfoDataSet }[];
  const [header, ...rows] = records;
  if (!header) return [];
  const names = header.record.map((name) => name.trim());
  const lines = new LineCounter(content);
  let start = header.info.bytes;
  return rows.map(({ record, info }) => {
    // Empty lines between records are skipped by the parser; the row starts after them.
    while (content[start] === LF || content[start] === CR) start++;
    const line = lines.lineAt(start);
    start = info.bytes;
    if (record.length !== names.length) {
      const message = `the row has ${record.length} cells, the header ${names.length}`;
      return { line, refusal: { code: 'validation_failed', message, details: [] } };
    }
    const body = Object.fromEntries(
      names.flatMap((name, column) => (record[column] === '' ? [] : [[name, record[column]]])),
    );
    return { line, body };
  });
}

/** One JSON object a line; blank lines are skipped. */
function ndjsonRows(text: string): FileRow[] {
  const rows: FileRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      rows.push({ line, refusal: { code: 'invalid_json', message: 'this line is not valid JSON', details: [] } });
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      rows.push({ line, body: value as Record<string, unknown> });
    } else {
      const details = [{ path: '', message: 'expected a user (a JSON object)' }];
      rows.push({ line, refusal: { code: 'validation_failed', message: 'the body is not valid', details } });
    }
  });
  return rows;
}

/** The line number of a byte offset, for offsets asked in increasing order. */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly content: Buffer) {}

  lineAt(offset: number): number {
    for (; this.offset < offset; this.offset++) if (this.content[this.offset] === LF) this.line++;
    return this.line;
  }
}
