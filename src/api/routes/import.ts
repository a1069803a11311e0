import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { UserImport, ImportedRow, ImportRow } from '../../users/user-import';
import { apiErrorFor } from '../domain-errors';
import { ApiError, validationError } from '../errors';
import { errorResponses, json, overloaded } from '../error-responses';
import { MAX_IMPORT_ROWS, sentRows, type SentRow } from '../import-body';
import { importReportSchema } from '../response-schemas';
import { importRowSchema } from '../schemas';

/** The largest body POST /users/import takes: 10,000 rows of a few hundred bytes each. */
export const MAX_IMPORT_BODY_BYTES = 5 * 1024 * 1024;

const importUsers = createRoute({
  method: 'post',
  path: '/import',
  operationId: 'importUsers',
  summary: 'Create or update many users at once, matched by externalId or email',
  tags: ['Users'],
  description:
    'Each row is judged as the body of `POST /users` is, and must name the person by `externalId` or `email`. A row ' +
    'is matched to a live user by `externalId` when it has one (else, or when no user has it yet, by email in any ' +
    'letter case): a user whose fields all equal the row is `unchanged`, another is `updated` as `PUT /users/{id}` ' +
    'does (a field the row leaves out is cleared), and a row that matches nobody is `created` as `POST /users` does ' +
    '(its workflow starts). So sending the same rows again creates nobody twice. Rows naming the same person are ' +
    'done in order. A refused row carries the error body its own create (or update) would answer with. ' +
    `At most ${MAX_IMPORT_ROWS} rows and ${MAX_IMPORT_BODY_BYTES / 1024 / 1024} MiB a request. If admission control ` +
    'refuses a row (429 `overloaded`), the import stops there: rows done before it stay done, and sending the same ' +
    'rows again after `Retry-After` finds them `unchanged`. `npm run import` sends a CSV or NDJSON file this way at ' +
    'a bounded rate.',
  request: {
    body: {
      required: true,
      description: 'The rows: a JSON array of user bodies, or NDJSON with one user body a line',
      content: {
        // Any item is taken and judged on its own (a bad row is refused in the report, not the request), so the
        // document only says what a good row looks like: the items themselves are any JSON value.
        'application/json': {
          schema: {
            type: 'array',
            maxItems: MAX_IMPORT_ROWS,
            items: { description: 'A user body (`UserBody`); a row that is not one is refused in the report' },
          },
        },
        // Text judged line by line: no body is malformed as a whole, a line that is not a user body is refused in the
        // report. (Typed `string`, a fuzzer would count a JSON array sent as NDJSON as a body that breaks it.)
        'application/x-ndjson': {
          schema: { description: 'One user body (a JSON object) a line; blank lines are skipped' },
        },
      },
    },
  },
  responses: {
    200: { description: 'What became of each row, in the order sent, and the counts', ...json(importReportSchema) },
    ...errorResponses({
      400: ['invalid_json', 'validation_failed'],
      413: ['payload_too_large'],
      415: ['unsupported_media_type'],
    }),
    ...overloaded,
  },
});

type ImportReport = z.output<typeof importReportSchema>;
type ReportedRow = ImportReport['rows'][number];

export function importRoutes(users: UserImport): OpenAPIHono {
  const routes = new OpenAPIHono();
  // `/users/import` answers POST only: any other method would reach the `/users/{id}` routes, which read `import` as a
  // malformed id (400) where the path exists and the method does not (405).
  routes.use('/import', async (c, next) => {
    if (c.req.method === 'POST') return next();
    c.header('Allow', 'POST');
    throw new ApiError(405, 'method_not_allowed', `${c.req.path} does not answer ${c.req.method}; it answers POST`);
  });
  routes.openapi(importUsers, async (c) => {
    const sent = sentRows(c.req.header('content-type'), await c.req.text());
    const judged = sent.map(judge);
    const valid = judged.filter((row): row is ImportRow => !('refused' in row));
    const imported = new Map((await users.importRows(valid)).map((row) => [row.line, reported(row)]));
    const rows = judged.map((row) => ('refused' in row ? row.refused : imported.get(row.line)!));
    return c.json(reportOf(rows), 200);
  });
  return routes;
}

/** A row as a create would judge its body: valid fields, or the refusal POST /users would answer with. */
function judge(row: SentRow): ImportRow | { line: number; refused: ReportedRow } {
  if ('notJson' in row) return refusal(row.line, new ApiError(400, 'invalid_json', 'this line is not valid JSON'));
  const parsed = importRowSchema.safeParse(row.value);
  if (!parsed.success) return refusal(row.line, validationError(parsed.error, 'the body is not valid'));
  return { line: row.line, fields: parsed.data };
}

function refusal(line: number, error: ApiError) {
  return { line, refused: { line, outcome: 'refused' as const, error: errorBody(error) } };
}

function reported(row: ImportedRow): ReportedRow {
  if (row.outcome !== 'refused') return row;
  const error = apiErrorFor(row.error);
  // An error the API has no answer for is a bug: the whole request answers 500, as a create would.
  if (!error) throw row.error;
  return { line: row.line, outcome: 'refused', ...(row.userId && { userId: row.userId }), error: errorBody(error) };
}

function errorBody(error: ApiError) {
  return { code: error.code, message: error.message, details: error.details };
}

function reportOf(rows: ReportedRow[]): ImportReport {
  const count = (outcome: ReportedRow['outcome']) => rows.filter((row) => row.outcome === outcome).length;
  return {
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    refused: count('refused'),
    rows,
  };
}
