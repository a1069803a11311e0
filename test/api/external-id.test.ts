import { apiForThisFile, call, putBodyOf } from '../support/service';

// `externalId`, the caller's own id for a person: optional on create and PUT, answered with the user, unique among
// live users (a deleted user's id is free again), as the email is.

const api = apiForThisFile('external-id');

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };
const uniqueId = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

test('a user created without one answers externalId null', async () => {
  const created = await call(api.url, 'POST', '/users', ada);
  expect(created.status).toBe(201);
  expect(created.body.externalId).toBeNull();
});

test('a user created with one keeps it, trimmed, and GET answers it', async () => {
  const externalId = uniqueId('crm');
  const created = await call(api.url, 'POST', '/users', { ...ada, externalId: `  ${externalId} ` });
  expect(created.body.externalId).toBe(externalId);
  expect((await call(api.url, 'GET', `/users/${created.body.id}`)).body.externalId).toBe(externalId);
});

test('a second live user with the same externalId is refused with 409 external_id_taken', async () => {
  const externalId = uniqueId('crm');
  expect((await call(api.url, 'POST', '/users', { ...ada, externalId })).status).toBe(201);
  const second = await call(api.url, 'POST', '/users', { ...ada, externalId });
  expect(second).toEqual({
    status: 409,
    body: {
      error: {
        code: 'external_id_taken',
        message: expect.any(String),
        details: [{ path: 'externalId', message: 'already used by another user' }],
      },
    },
  });
});

test('a taken email is still email_taken when the externalId is new', async () => {
  const email = `${uniqueId('ada')}@example.com`;
  expect((await call(api.url, 'POST', '/users', { ...ada, email })).status).toBe(201);
  const second = await call(api.url, 'POST', '/users', { ...ada, email, externalId: uniqueId('crm') });
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('email_taken');
});

test("a deleted user's externalId is free again", async () => {
  const externalId = uniqueId('crm');
  const first = await call(api.url, 'POST', '/users', { ...ada, externalId });
  expect((await call(api.url, 'DELETE', `/users/${first.body.id}`)).status).toBe(204);
  expect((await call(api.url, 'POST', '/users', { ...ada, externalId })).status).toBe(201);
});

test('PUT sets, changes and clears it, and refuses one another user has', async () => {
  const created = await call(api.url, 'POST', '/users', ada);
  const taken = uniqueId('crm');
  await call(api.url, 'POST', '/users', { ...ada, externalId: taken });
  const externalId = uniqueId('crm');
  const set = await call(api.url, 'PUT', `/users/${created.body.id}`, { ...putBodyOf(created.body), externalId });
  expect(set.status).toBe(200);
  expect(set.body.externalId).toBe(externalId);
  const clash = await call(api.url, 'PUT', `/users/${created.body.id}`, {
    ...putBodyOf(created.body),
    externalId: taken,
  });
  expect(clash.status).toBe(409);
  expect(clash.body.error.code).toBe('external_id_taken');
  const cleared = await call(api.url, 'PUT', `/users/${created.body.id}`, {
    ...putBodyOf(created.body),
    externalId: null,
  });
  expect(cleared.body.externalId).toBeNull();
});

test.each([
  ['empty', ''],
  ['blank', '   '],
  ['with a line break', 'a\nb'],
  ['over 255 characters', 'x'.repeat(256)],
  ['a number', 42],
])('an externalId %s is refused with 400 naming the field', async (_label, externalId) => {
  const refused = await call(api.url, 'POST', '/users', { ...ada, externalId });
  expect(refused.status).toBe(400);
  expect(refused.body.error.details).toEqual([{ path: 'externalId', message: expect.any(String) }]);
});
