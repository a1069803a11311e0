import fc from 'fast-check';
import { API_ERROR_CODES } from '../../src/api/error-codes';
import { apiForThisFile, AUTHORIZATION } from '../support/service';

// Property-based fuzzing of every route the OpenAPI document lists: random JSON, wrong types, huge and odd strings,
// broken UTF-8, odd content types, deep nesting, tampered paths, queries and cursors. Every answer must be one the
// document gives for that operation (or a general one), never a 500, always the error body on a 4xx, and a refused
// request must leave the database as it was.

const api = apiForThisFile('fuzz-routes');

interface Operation {
  method: string;
  template: string;
  statuses: Set<number>;
}

/** Answers any request may get, whatever the operation (the document's general rules). */
const GENERAL = [400, 401, 404, 405, 413, 415, 429];

let operations: Operation[];

beforeAll(async () => {
  const response = await fetch(`${api.url}/openapi.json`);
  const document = (await response.json()) as { paths: Record<string, Record<string, { responses: object }>> };
  operations = Object.entries(document.paths).flatMap(([template, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      statuses: new Set([...Object.keys(operation.responses).map(Number), ...GENERAL]),
    })),
  );
});

const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../..', '%00', '%2F', '\u0000', '\u202e', 'null', '-1', '1e309', '😀'.repeat(20)),
  fc.string({ minLength: 300, maxLength: 3000 }),
);
const pathPart = fc.oneof(
  fc.uuid(),
  oddText.map((text) => encodeURIComponent(text)),
  fc.constant('%E0%A4%A'),
);
const queryValue = fc.oneof(oddText, fc.integer().map(String), fc.base64String({ maxLength: 40 }));
const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'timezone', 'eventType', 'status', 'x', 'limit[]', '__proto__'),
  queryValue,
  { maxKeys: 3 },
);
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** Something like a user's body: each field right, wrong or missing. */
const userLike = fc.record(
  {
    firstName: fc.oneof(oddText, fc.integer(), fc.constant(null)),
    lastName: fc.oneof(oddText, fc.boolean()),
    birthday: fc.oneof(
      oddText,
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
    ),
    timezone: fc.oneof(oddText, fc.constantFrom('Europe/London', 'Mars/Olympus', '+01:00')),
    email: fc.oneof(oddText, fc.emailAddress(), fc.constant(null)),
    externalId: fc.oneof(oddText, fc.constant(null)),
    reason: oddText,
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  userLike.map((value) => Buffer.from(JSON.stringify(value))),
  // The rows of POST /users/import, as a JSON array or as NDJSON lines.
  fc.array(userLike, { maxLength: 5 }).map((rows) => Buffer.from(JSON.stringify(rows))),
  fc.array(userLike, { maxLength: 5 }).map((rows) => Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'))),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    Buffer.from(deep(5_000)),
    Buffer.alloc(20_000, 'a'),
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/x-ndjson',
  undefined,
);

async function databaseCounts(): Promise<[number, number]> {
  return [await api.db.user.count(), await api.db.delivery.count()];
}

test('no request, however malformed, gets a 500 or an undocumented answer, and a refused one changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.array(pathPart, { minLength: 2, maxLength: 2 }),
      query,
      fc.option(body, { nil: undefined }),
      contentType,
      async (pick, parts, search, sent, type) => {
        const operation = operations[pick % operations.length]!;
        let part = 0;
        const path = operation.template.replace(/\{[^}]+\}/g, () => parts[part++]!);
        const params = new URLSearchParams(search).toString();
        const before = await databaseCounts();
        const withBody = operation.method !== 'GET' && operation.method !== 'HEAD' && sent !== undefined;
        const response = await fetch(`${api.url}${path}${params ? `?${params}` : ''}`, {
          method: operation.method,
          headers: { ...AUTHORIZATION, ...(type && withBody && { 'content-type': type }) },
          ...(withBody && { body: sent }),
        });
        const text = await response.text();
        const context = { method: operation.method, path, status: response.status, text: text.slice(0, 300) };
        // A 500 is a bug; another 5xx only as documented (e.g. /ready while Temporal has no worker polling).
        expect({ ...context, bug: response.status === 500 }).toEqual({ ...context, bug: false });
        expect({ ...context, documented: operation.statuses.has(response.status) }).toEqual({
          ...context,
          documented: true,
        });
        if (response.status >= 400 && response.status < 500) {
          const answer = JSON.parse(text) as { error: { code: string; message: string; details: unknown[] } };
          expect(Object.keys(API_ERROR_CODES)).toContain(answer.error.code);
          expect(typeof answer.error.message).toBe('string');
          expect(Array.isArray(answer.error.details)).toBe(true);
          expect(await databaseCounts()).toEqual(before);
        }
      },
    ),
    { numRuns: 1_000 },
  );
});
