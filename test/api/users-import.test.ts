import { workflowIdFor } from '../../src/greetings/ids';
import { untilRunsStarted } from '../support/runs-started';
import { apiForThisFile, AUTHORIZATION, call } from '../support/service';

// POST /users/import: each row judged as a create, matched to a live user by externalId or email, so that the same
// rows sent again create nobody twice; a report says what became of each row and why a refused one was refused.

const api = apiForThisFile('users-import');

/** Emails and ids unique to this run, as the database outlives it. */
const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const emailOf = (name: string) => `${name}-${run}@example.com`;
const idOf = (name: string) => `crm-${name}-${run}`;

const person = (name: string, extra: Record<string, unknown> = {}) => ({
  firstName: name,
  lastName: 'Importé',
  birthday: '1990-12-10',
  timezone: 'Europe/Paris',
  email: emailOf(name),
  ...extra,
});

async function send(body: string, contentType: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.url}/users/import`, {
    method: 'POST',
    headers: { ...AUTHORIZATION, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const importRows = (rows: unknown[]) => send(JSON.stringify(rows), 'application/json');

const liveUsersWithEmail = (email: string) =>
  api.db.user.count({ where: { liveEmail: email.toLowerCase(), deletedAt: null } });

test('creates every valid row through the create path, its workflow started, and refuses the others by line', async () => {
  const report = await importRows([
    person('Ada'),
    person('Bob', { birthday: '1990-02-30' }),
    person('Cy', { timezone: 'Mars/Olympus', unknownField: 1 }),
    person('Dee', { externalId: idOf('dee') }),
  ]);
  expect(report.status).toBe(200);
  expect(report.body).toMatchObject({ created: 2, updated: 0, unchanged: 0, refused: 2 });
  const [ada, bob, cy, dee] = report.body.rows;
  expect(ada).toEqual({ line: 1, outcome: 'created', userId: expect.any(String) });
  expect(dee).toEqual({ line: 4, outcome: 'created', userId: expect.any(String) });
  expect(bob).toEqual({ line: 2, outcome: 'refused', error: expect.any(Object) });
  expect(cy.line).toBe(3);
  // Each run starts right after the answer.
  await untilRunsStarted(api.db, ada.userId);
  const run = await api.env.client.workflow.getHandle(workflowIdFor(ada.userId, 'birthday')).describe();
  expect(run.status.name).toBe('RUNNING');
  expect((await call(api.url, 'GET', `/users/${dee.userId}`)).body.externalId).toBe(idOf('dee'));
});

test('a refused row carries exactly the error body a POST /users of it answers with', async () => {
  // Eve is known by another externalId: a row with the same email and a new externalId is another person.
  const taken = person('Eve', { externalId: idOf('eve') });
  await call(api.url, 'POST', '/users', taken);
  const invalid = person('Fay', { birthday: '2999-01-01', timezone: 'Nowhere/City', firstName: '' });
  const report = await importRows([invalid, { ...taken, externalId: idOf('other-eve') }]);
  const [invalidRow, takenRow] = report.body.rows;
  expect(invalidRow.error).toEqual((await call(api.url, 'POST', '/users', invalid)).body.error);
  expect(takenRow.error).toEqual(
    (await call(api.url, 'POST', '/users', { ...taken, externalId: idOf('other-eve') })).body.error,
  );
  expect(takenRow.error.code).toBe('email_taken');
});

test('the same rows sent again change nothing: every row unchanged, no user made twice', async () => {
  const rows = [
    person('Gus'),
    person('Hal', { externalId: idOf('hal') }),
    person('Ivy', { email: null, externalId: idOf('ivy') }),
  ];
  const first = await importRows(rows);
  expect(first.body).toMatchObject({ created: 3, refused: 0 });
  const again = await importRows(rows);
  expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 3, refused: 0 });
  expect(again.body.rows.map((row: any) => row.userId)).toEqual(first.body.rows.map((row: any) => row.userId));
  expect(await liveUsersWithEmail(emailOf('Gus'))).toBe(1);
});

test('a row that differs from its user updates it as PUT does, and the workflow plans the new date', async () => {
  const first = await importRows([person('Jo')]);
  const { userId } = first.body.rows[0];
  const again = await importRows([person('Jo', { birthday: '1991-03-04', timezone: 'asia/kolkata' })]);
  expect(again.body.rows).toEqual([{ line: 1, outcome: 'updated', userId }]);
  expect((await call(api.url, 'GET', `/users/${userId}`)).body).toMatchObject({
    birthday: '1991-03-04',
    timezone: 'Asia/Kolkata',
  });
  const plan = await call(api.url, 'GET', `/users/${userId}/next-delivery`);
  expect(plan.body.occurrenceDate).toMatch(/-03-04$/);
});

test('matches by email in any letter case, and sets the externalId of a user who had none', async () => {
  const first = await importRows([person('Kim')]);
  const { userId } = first.body.rows[0];
  const again = await importRows([person('Kim', { email: emailOf('Kim').toUpperCase(), externalId: idOf('kim') })]);
  expect(again.body.rows).toEqual([{ line: 1, outcome: 'updated', userId }]);
  expect((await call(api.url, 'GET', `/users/${userId}`)).body.externalId).toBe(idOf('kim'));
});

test('matches by externalId first: a changed email updates the same user', async () => {
  const first = await importRows([person('Lou', { externalId: idOf('lou') })]);
  const { userId } = first.body.rows[0];
  const again = await importRows([person('Lou', { externalId: idOf('lou'), email: emailOf('lou-new') })]);
  expect(again.body.rows).toEqual([{ line: 1, outcome: 'updated', userId }]);
  expect(await liveUsersWithEmail(emailOf('lou-new'))).toBe(1);
});

test('a row naming the person by neither externalId nor email is refused: a re-run could not find its user', async () => {
  const report = await importRows([person('Max', { email: null })]);
  expect(report.body.rows[0]).toMatchObject({
    outcome: 'refused',
    error: { code: 'validation_failed', details: [{ path: 'externalId', message: expect.any(String) }] },
  });
});

test('rows naming the same person twice are done in order: the last one wins, one user', async () => {
  const report = await importRows([person('Ned'), person('Ned', { lastName: 'Later' })]);
  expect(report.body.rows.map((row: any) => row.outcome)).toEqual(['created', 'updated']);
  expect(report.body.rows[1].userId).toBe(report.body.rows[0].userId);
  expect((await call(api.url, 'GET', `/users/${report.body.rows[0].userId}`)).body.lastName).toBe('Later');
});

test('NDJSON: each row is reported with its line in the body; blank lines are skipped, CRLF is fine', async () => {
  const body = [JSON.stringify(person('Oz')), '', '{"firstName": broken', JSON.stringify(person('Pia')), ''].join(
    '\r\n',
  );
  const report = await send(body, 'application/x-ndjson');
  expect(report.status).toBe(200);
  expect(report.body.rows).toEqual([
    { line: 1, outcome: 'created', userId: expect.any(String) },
    {
      line: 3,
      outcome: 'refused',
      error: { code: 'invalid_json', message: 'this line is not valid JSON', details: [] },
    },
    { line: 4, outcome: 'created', userId: expect.any(String) },
  ]);
});

test.each([
  ['text that is not JSON', '[{"firstName":', 'application/json', 400, 'invalid_json'],
  ['an object instead of an array', JSON.stringify(person('Quin')), 'application/json', 400, 'validation_failed'],
  ['another content type', '[]', 'text/csv', 415, 'unsupported_media_type'],
  ['more than 10,000 rows', JSON.stringify(Array(10_001).fill({})), 'application/json', 400, 'validation_failed'],
  ['more than 10,000 NDJSON lines', '{}\n'.repeat(10_001), 'application/x-ndjson', 413, 'payload_too_large'],
  ['a body over 5 MiB', `["${'x'.repeat(5 * 1024 * 1024)}"]`, 'application/json', 413, 'payload_too_large'],
])('%s is refused whole with the usual error body, and nothing is saved', async (_label, body, type, status, code) => {
  const before = await api.db.user.count();
  const answer = await send(body, type);
  expect(answer).toEqual({
    status,
    body: { error: { code, message: expect.any(String), details: expect.any(Array) } },
  });
  expect(await api.db.user.count()).toBe(before);
});

test('a body over 16 KiB but within the bound is taken (the other routes keep their 16 KiB)', async () => {
  const rows = Array.from({ length: 120 }, (_, index) =>
    person(`Row${'abcdefghij'[index % 10]}`, { externalId: idOf(`bulk-${index}`), email: emailOf(`bulk-${index}`) }),
  );
  expect(JSON.stringify(rows).length).toBeGreaterThan(16 * 1024);
  const report = await importRows(rows);
  expect(report.status).toBe(200);
  expect(report.body).toMatchObject({ created: 120, refused: 0 });
});

test('needs the API key like every route', async () => {
  const response = await fetch(`${api.url}/users/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '[]',
  });
  expect(response.status).toBe(401);
});

test.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
  '%s /users/import answers 405 with Allow: POST (it is not a user id), on the singular alias too',
  async (method) => {
    for (const path of ['/users/import', '/user/import']) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '[]',
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({
        error: { code: 'method_not_allowed', message: expect.any(String), details: expect.any(Array) },
      });
    }
  },
);
