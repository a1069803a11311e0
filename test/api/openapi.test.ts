import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { compileErrors, validate } from '@readme/openapi-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createServiceApp } from '../../src/api/service-app';
import { idempotencyKeyFor, workflowIdFor } from '../../src/greetings/ids';
import {
  apiForThisFile,
  apiWorkflows,
  call,
  silentLog,
  TEST_API_KEY,
  AUTHORIZATION,
  TEST_PLANNING,
} from '../support/service';

// The document is checked against what the running API really does: its routes, its verdicts on bodies and the
// bodies it answers with. Schemas are taken from the served document, so a $ref that points nowhere fails too.
const api = apiForThisFile('openapi');

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };
/** Emails stay unique across runs against the same database. */
const uniqueEmail = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

let document: any;
let ajv: Ajv2020;

beforeAll(async () => {
  const { status, body } = await call(api.url, 'GET', '/openapi.json');
  expect(status).toBe(200);
  document = body;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12. Ajv gets the whole document, so refs resolve as they would for a
  // client; strict mode is off because the document's own fields (openapi, paths, ...) are not schema keywords.
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi.json');
});

/** A JSON pointer token: `/` and `~` escaped as RFC 6901 says. */
const token = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function schemaAt(...segments: string[]): ValidateFunction {
  const pointer = segments.map(token).join('/');
  return ajv.compile({ $ref: `openapi.json#/${pointer}` });
}

/** The documented JSON schema of an answer; fails when the operation does not list that status. */
function documentedResponse(method: string, path: string, status: number): ValidateFunction {
  const responses = document.paths[path]?.[method.toLowerCase()]?.responses;
  expect(Object.keys(responses ?? {})).toContain(String(status));
  return schemaAt(
    'paths',
    path,
    method.toLowerCase(),
    'responses',
    String(status),
    'content',
    'application/json',
    'schema',
  );
}

function expectMatches(validator: ValidateFunction, body: unknown): void {
  const valid = validator(body);
  expect({ valid, errors: validator.errors ?? null }).toEqual({ valid: true, errors: null });
}

/** A real answer matches its documented schema, and an error's code is one the document lists for its status. */
function expectAsDocumented(method: string, path: string, status: number, body: any): void {
  expectMatches(documentedResponse(method, path, status), body);
  if (status < 400) return;
  const { description } = document.paths[path][method.toLowerCase()].responses[String(status)];
  expect({ status, description }).toEqual({ status, description: expect.stringContaining(`\`${body.error.code}\``) });
}

describe('/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.warnings).toEqual([]);
  });

  test('documents every route the app serves, and no route it does not', () => {
    const app = createServiceApp({
      planning: TEST_PLANNING,
      apiKeys: [TEST_API_KEY],
      db: api.db,
      workflows: apiWorkflows(api.env.client, 'routes-only'),
      log: silentLog,
      metrics: createServiceMetrics(),
    });
    const served = app.routes
      .filter((route) => route.method !== 'ALL') // middleware such as the body limit
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(10);
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });

  test('each operation has a unique operationId, a summary and at least one success answer', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item as object));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const operation of operations) {
      expect(operation.summary).toEqual(expect.any(String));
      expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
    }
  });

  test('every example it gives is valid against the schema it illustrates', () => {
    const examples = examplesIn(document);
    expect(examples.length).toBeGreaterThan(20);
    for (const { at, schema, example } of examples) {
      const validator = schemaAt(...schema);
      expect({ at, valid: validator(example), errors: validator.errors ?? null }).toEqual({
        at,
        valid: true,
        errors: null,
      });
    }
  });

  test('the /user aliases are marked as aliases of their /users originals', () => {
    expect(document.paths['/user/{id}'].put).toMatchObject({
      operationId: 'updateUserViaAlias',
      description: expect.stringContaining('`PUT /users/{id}`'),
      responses: document.paths['/users/{id}'].put.responses,
    });
  });
});

/**
 * Every `example` of the document, with the JSON pointer segments of the schema it illustrates: the sibling `schema`
 * of a media type or parameter, else the schema object that holds it.
 */
function examplesIn(node: unknown, at: string[] = []): { at: string; schema: string[]; example: unknown }[] {
  if (typeof node !== 'object' || node === null) return [];
  const here = Object.hasOwn(node, 'example')
    ? [
        {
          at: at.join('/'),
          schema: Object.hasOwn(node, 'schema') ? [...at, 'schema'] : at,
          example: (node as any).example,
        },
      ]
    : [];
  const below = Object.entries(node)
    .filter(([key]) => key !== 'example')
    .flatMap(([key, child]) => examplesIn(child, [...at, key]));
  return [...here, ...below];
}

describe('the documented create-user body', () => {
  // Rules JSON Schema cannot state (a birthday not in the future, a zone the service knows, the letters of a name)
  // are only described in the document's text, so they are not among these cases.
  test.each([
    ['a minimal user', ada],
    ['a user with an email', { ...ada, email: uniqueEmail('ada') }],
    ['a user with a null email', { ...ada, email: null }],
    ['a user with an externalId', { ...ada, externalId: `crm-${Date.now()}-${Math.random()}` }],
    ['an empty externalId', { ...ada, externalId: '' }],
    ['names with spaces around them', { ...ada, firstName: '  Ada ', lastName: ' King-Noel ' }],
    ['Feb 29 of a leap year', { ...ada, birthday: '2000-02-29' }],
    ['a user with an anniversary', { ...ada, anniversary: '2015-06-20' }],
    ['a user with a null anniversary', { ...ada, anniversary: null }],
    ['an anniversary on Feb 30', { ...ada, anniversary: '2015-02-30' }],
    ['a missing field', { firstName: 'Ada', lastName: 'Lovelace', timezone: 'Europe/London' }],
    ['an unknown field', { ...ada, nickname: 'Countess' }],
    ['a birthday as a number', { ...ada, birthday: 19901210 }],
    ['a birthday in another format', { ...ada, birthday: '10/12/1990' }],
    ['Feb 30', { ...ada, birthday: '1990-02-30' }],
    ['Feb 29 of a common year', { ...ada, birthday: '2023-02-29' }],
    ['an email over 254 characters', { ...ada, email: `${'a'.repeat(243)}@example.com` }],
    ['a name as a number', { ...ada, firstName: 42 }],
    ['a null time zone', { ...ada, timezone: null }],
    ['an array', [ada]],
    ['a string', 'Ada Lovelace'],
    ['null', null],
    ['a number', 3],
  ])('agrees with POST /users on %s', async (_label, body) => {
    const accepts = schemaAt('components', 'schemas', 'UserBody');
    const { status } = await call(api.url, 'POST', '/users', body);
    expect([201, 400]).toContain(status);
    expect({ documentAccepts: accepts(body) }).toEqual({ documentAccepts: status === 201 });
  });
});

describe('real answers match their documented schema', () => {
  let userId: string;
  let deliveredId: string;

  /** A ledger row of the test's user, written straight into Postgres; returns its id. */
  async function ledgerRow(occurrenceYear: number, status: 'delivered' | 'failed', scheduledAt: Date): Promise<string> {
    const attemptedAt = new Date(scheduledAt.getTime() + 1_000);
    const written = await api.db.delivery.create({
      data: {
        userId,
        eventType: 'birthday',
        occurrenceYear,
        occurrenceDate: new Date(`${occurrenceYear}-12-10T00:00:00.000Z`),
        scheduledAt,
        status,
        attempts: 1,
        idempotencyKey: idempotencyKeyFor(userId, 'birthday', occurrenceYear),
        workflowId: workflowIdFor(userId, 'birthday'),
        runId: `run-${occurrenceYear}`,
        responseStatus: status === 'delivered' ? 200 : 410,
        lastError: status === 'failed' ? 'receiver answered 410' : null,
        firstAttemptAt: attemptedAt,
        lastAttemptAt: attemptedAt,
        deliveredAt: status === 'delivered' ? attemptedAt : null,
        latenessMs: 1_000,
      },
    });
    return written.id;
  }

  beforeAll(async () => {
    const { body } = await call(api.url, 'POST', '/users', { ...ada, timezone: 'Asia/Kathmandu' });
    userId = body.id;
    deliveredId = await ledgerRow(2024, 'delivered', new Date('2024-12-10T03:15:00.000Z'));
  });

  test('POST /users: 201 with the user and its location', async () => {
    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ada, email: uniqueEmail('ada') }),
    });
    expect(response.status).toBe(201);
    const body: any = await response.json();
    expectAsDocumented('POST', '/users', 201, body);
    expect(document.paths['/users'].post.responses['201'].headers).toHaveProperty('location');
    expect(response.headers.get('location')).toBe(`/users/${body.id}`);
  });

  test.each([
    ['GET', '/users/{id}', 200],
    ['GET', '/user/{id}', 200],
    ['GET', '/users?timezone=Asia%2FKathmandu&limit=2', 200],
    ['PUT', '/users/{id}', 200],
    ['GET', '/users/{id}/next-delivery', 200],
    ['GET', '/users/{id}/deliveries', 200],
    ['GET', '/health', 200],
    ['POST', '/users/{id}/pause', 200],
    ['POST', '/users/{id}/resume', 200],
    ['POST', '/users/00000000-0000-4000-8000-000000000000/pause', 404],
    ['POST', '/users/not-a-uuid/resume', 400],
    ['POST', '/users/{id}/deliveries/{deliveryId}/retry', 409],
    ['POST', '/users/{id}/deliveries/00000000-0000-4000-8000-000000000000/retry', 404],
    ['GET', '/users/{id}/deliveries?cursor=bm9wZQ', 400],
    ['GET', '/users?limit=0', 400],
    ['GET', '/users/not-a-uuid', 400],
    ['POST', '/users/{id}/deliveries/not-a-uuid/retry', 400],
    ['GET', '/users/00000000-0000-4000-8000-000000000000', 404],
    ['DELETE', '/users/00000000-0000-4000-8000-000000000000', 404],
  ])('%s %s answers %i as documented', async (method, template, expectedStatus) => {
    const path = template.replace('{id}', userId).replace('{deliveryId}', deliveredId);
    const body = method === 'PUT' ? { ...ada, timezone: 'Asia/Kathmandu', birthday: '1990-12-11' } : undefined;
    const answer = await call(api.url, method, path, body);
    expect(answer.status).toBe(expectedStatus);
    expectAsDocumented(method, documentedPathOf(path), answer.status, answer.body);
  });

  test('POST /users/{id}/pause with a reason, and with a refused one, answers as documented', async () => {
    const { body: created } = await call(api.url, 'POST', '/users', ada);
    const paused = await call(api.url, 'POST', `/users/${created.id}/pause`, { reason: 'on leave' });
    expect(paused.status).toBe(200);
    expectAsDocumented('POST', '/users/{id}/pause', 200, paused.body);
    const refused = await call(api.url, 'POST', `/users/${created.id}/pause`, { reason: '' });
    expect(refused.status).toBe(400);
    expectAsDocumented('POST', '/users/{id}/pause', 400, refused.body);
    const body = document.paths['/users/{id}/pause'].post.requestBody;
    expect(body.required).toBeFalsy();
    expect(body.content['application/json'].schema).toBeDefined();
  });

  test('POST /users/import: 200 with the report, and a refused body, as documented', async () => {
    const rows = [
      { ...ada, email: uniqueEmail('ada') },
      { ...ada, birthday: 'soon' },
    ];
    const report = await call(api.url, 'POST', '/users/import', rows);
    expect(report.status).toBe(200);
    expect(report.body.rows.map((row: any) => row.outcome)).toEqual(['created', 'refused']);
    expectAsDocumented('POST', '/users/import', 200, report.body);
    const refused = await call(api.url, 'POST', '/users/import', { not: 'an array' });
    expect(refused.status).toBe(400);
    expectAsDocumented('POST', '/users/import', 400, refused.body);
  });

  test('GET /ready answers as documented', async () => {
    // 503 here: the time-skipping server does not describe task queues, so the worker check is down (the 200 is
    // checked against the dev server in readiness.test.ts).
    const answer = await call(api.url, 'GET', '/ready');
    expect(answer.status).toBe(503);
    expectMatches(documentedResponse('GET', '/ready', 503), answer.body);
  });

  test('POST /users/{id}/deliveries/{deliveryId}/retry: 202 once the workflow accepts the re-drive', async () => {
    // Due an hour ago: the re-drive's attempt then records a lateness the ledger's column holds.
    const failedId = await ledgerRow(2025, 'failed', new Date(Date.now() - 3_600_000));
    const answer = await call(api.url, 'POST', `/users/${userId}/deliveries/${failedId}/retry`);
    expect(answer.status).toBe(202);
    expectAsDocumented('POST', '/users/{id}/deliveries/{deliveryId}/retry', 202, answer.body);
  });

  test('refused bodies answer with the documented error body', async () => {
    const cases = [
      { body: '{"firstName":', type: 'application/json', status: 400, code: 'invalid_json' },
      {
        body: JSON.stringify({ ...ada, birthday: '2999-01-01' }),
        type: 'application/json',
        status: 400,
        code: 'validation_failed',
      },
      { body: JSON.stringify(ada), type: 'text/plain', status: 415, code: 'unsupported_media_type' },
      { body: 'x'.repeat(17 * 1024), type: 'application/json', status: 413, code: 'payload_too_large' },
      { body: 'null', type: 'application/json', status: 400, code: 'validation_failed' },
    ];
    for (const sent of cases) {
      const response = await fetch(`${api.url}/users`, {
        method: 'POST',
        headers: { ...AUTHORIZATION, 'content-type': sent.type },
        body: sent.body,
      });
      const body: any = await response.json();
      expect({ status: response.status, code: body.error?.code }).toEqual({ status: sent.status, code: sent.code });
      expectAsDocumented('POST', '/users', sent.status, body);
    }
  });

  test('DELETE /users/{id}: 204 is documented without a body', async () => {
    const { body: created } = await call(api.url, 'POST', '/users', ada);
    const answer = await call(api.url, 'DELETE', `/users/${created.id}`);
    expect(answer).toEqual({ status: 204, body: null });
    expect(document.paths['/users/{id}'].delete.responses['204']).not.toHaveProperty('content');
  });

  test('a response that breaks the schema is caught: the check is not vacuous', () => {
    const validator = documentedResponse('GET', '/users/{id}', 200);
    const user = {
      id: userId,
      ...ada,
      anniversary: null,
      email: null,
      externalId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      paused: false,
      pausedAt: null,
      pauseReason: null,
    };
    expect(validator(user)).toBe(true);
    expect(validator({ ...user, birthday: '10/12/1990' })).toBe(false);
    expect(validator({ ...user, extra: 1 })).toBe(false);
    const { email: _email, ...withoutEmail } = user;
    expect(validator(withoutEmail)).toBe(false);
    const { paused: _paused, ...withoutPaused } = user;
    expect(validator(withoutPaused)).toBe(false);
  });
});

/** The documented path template a concrete path was made from: ids become `{id}`/`{deliveryId}`, the query goes. */
function documentedPathOf(path: string): string {
  const [withoutQuery = ''] = path.split('?');
  const segments = withoutQuery.split('/');
  const templated = segments.map((segment, index) => {
    if (index === 2 && (segments[1] === 'users' || segments[1] === 'user')) return '{id}';
    if (index === 4 && segments[3] === 'deliveries') return '{deliveryId}';
    return segment;
  });
  return templated.join('/');
}

describe('/docs', () => {
  test('is an HTML page whose every file the API serves itself, with nothing from elsewhere', async () => {
    const response = await fetch(`${api.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/https?:\/\//);
    let served = '';
    for (const reference of references) {
      expect(reference).toMatch(/^\/[^/]/); // a path on this origin, not a CDN
      const asset = await fetch(`${api.url}${reference}`);
      expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
      const text = await asset.text();
      expect(text.length).toBeGreaterThan(0);
      served += text;
    }
    expect(served).toContain('SwaggerUIBundle');
    expect(served).toContain("url: '/openapi.json'");
  });

  test('an unknown viewer file is 404 route_not_found', async () => {
    const { status, body } = await call(api.url, 'GET', '/docs/assets/..%2Fpackage.json');
    expect(status).toBe(404);
    expect(body.error.code).toBe('route_not_found');
  });
});
