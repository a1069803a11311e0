import type { Client } from '@temporalio/client';
import { untilRunExists } from '../support/runs-started';
import { workflowIdFor } from '../../src/greetings/ids';
import { eventually } from '../support/real-time';
import { allPages, apiForThisFile, appWithTemporalGone, call, AUTHORIZATION } from '../support/service';

// POST /users/:id/pause and /resume: saved in Postgres first, then the workflow is signalled, then the row's flag is
// cleared. The workflow's own handling of the signals (replan, skip) is the workflow's tests' business.

const api = apiForThisFile('pause-api');

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

function expectErrorBody(body: any, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

async function createAda(): Promise<string> {
  const created = await call(api.url, 'POST', '/users', ada);
  expect(created.status).toBe(201);
  return created.body.id as string;
}

interface ReceivedSignal {
  name: string;
  input: unknown[];
}

/**
 * The signals in the history of the user's workflow, by name and payload, in order. A signal that arrives while a
 * workflow task runs is written to the history when that task completes.
 */
async function signalsOf(client: Client, userId: string, count: number): Promise<ReceivedSignal[]> {
  return eventually(async () => {
    const signals = await signalsInHistory(client, userId);
    return signals.length >= count ? signals : undefined;
  }, `${count} signals in the history of user ${userId}`);
}

async function signalsInHistory(client: Client, userId: string): Promise<ReceivedSignal[]> {
  const history = await client.workflow.getHandle(workflowIdFor(userId, 'birthday')).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (!signaled) return [];
    const input = (signaled.input?.payloads ?? []).map((payload) =>
      JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')),
    );
    return [{ name: signaled.signalName ?? '', input }];
  });
}

const flagOf = async (id: string) => (await api.db.user.findUniqueOrThrow({ where: { id } })).workflowSyncRequestedAt;

test('a new user is not paused', async () => {
  const id = await createAda();
  expect((await call(api.url, 'GET', `/users/${id}`)).body).toMatchObject({
    paused: false,
    pausedAt: null,
    pauseReason: null,
  });
});

test('POST pause saves the pause and its reason, signals the workflow and answers 200 with the user', async () => {
  const id = await createAda();
  const before = Date.now();

  const paused = await call(api.url, 'POST', `/users/${id}/pause`, { reason: '  on leave until March ' });

  expect(paused.status).toBe(200);
  expect(paused.body).toMatchObject({ ...ada, id, paused: true, pauseReason: 'on leave until March' });
  expect(Date.parse(paused.body.pausedAt)).toBeGreaterThanOrEqual(before - 1_000);
  expect((await call(api.url, 'GET', `/users/${id}`)).body).toEqual(paused.body);
  // A nudge only: the workflow plans from the row, and writes nothing back that could undo a later change.
  expect(await signalsOf(api.env.client, id, 1)).toEqual([{ name: 'refreshSchedule', input: [] }]);
  expect(await flagOf(id)).toBeNull();
});

test('pausing a paused user is fine: the pause keeps its start and takes the new reason', async () => {
  const id = await createAda();
  const first = await call(api.url, 'POST', `/users/${id}/pause`, { reason: 'first' });

  const second = await call(api.url, 'POST', `/users/${id}/pause`);

  expect(second.status).toBe(200);
  expect(second.body).toMatchObject({ paused: true, pausedAt: first.body.pausedAt, pauseReason: null });
  expect(await signalsOf(api.env.client, id, 2)).toEqual([
    { name: 'refreshSchedule', input: [] },
    { name: 'refreshSchedule', input: [] },
  ]);
});

test('POST resume ends the pause, signals the workflow and answers 200 with the user', async () => {
  const id = await createAda();
  await call(api.url, 'POST', `/users/${id}/pause`, { reason: 'x' });

  const resumed = await call(api.url, 'POST', `/users/${id}/resume`);

  expect(resumed.status).toBe(200);
  expect(resumed.body).toMatchObject({ ...ada, id, paused: false, pausedAt: null, pauseReason: null });
  expect((await signalsOf(api.env.client, id, 2)).map((signal) => signal.name)).toEqual([
    'refreshSchedule',
    'refreshSchedule',
  ]);
  expect(await flagOf(id)).toBeNull();
});

test('the singular alias answers too, and a paused user is listed as paused', async () => {
  const id = await createAda();
  expect((await call(api.url, 'POST', `/user/${id}/pause`)).status).toBe(200);

  // The run's Postgres is shared by every test file, so the user may be on any page.
  const listed = (await allPages(api.url, '/users', { limit: '500' })).flatMap((page) => page.items);
  expect(listed.find((user: { id: string }) => user.id === id)).toMatchObject({ paused: true });
});

test('an unknown user is 404 and a malformed id 400, for pause and resume', async () => {
  for (const action of ['pause', 'resume']) {
    const unknown = await call(api.url, 'POST', `/users/00000000-0000-4000-8000-000000000000/${action}`);
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown.body, 'user_not_found');
    const malformed = await call(api.url, 'POST', `/users/nope/${action}`);
    expect(malformed.status).toBe(400);
    expectErrorBody(malformed.body, 'invalid_id');
  }
});

test('a deleted user is 404', async () => {
  const id = await createAda();
  expect((await call(api.url, 'DELETE', `/users/${id}`)).status).toBe(204);
  expect((await call(api.url, 'POST', `/users/${id}/pause`)).status).toBe(404);
});

test.each([
  ['an empty reason', { reason: '   ' }],
  ['a reason over 500 characters', { reason: 'x'.repeat(501) }],
  ['a line break in the reason', { reason: 'on\nleave' }],
  ['a reason that is not text', { reason: 42 }],
  ['an unknown field', { reason: 'x', until: '2030-01-01' }],
  ['a body that is no object', null],
])('pause refuses %s with 400 validation_failed and changes nothing', async (_label, body) => {
  const id = await createAda();
  const response = await call(api.url, 'POST', `/users/${id}/pause`, body);
  expect(response.status).toBe(400);
  expectErrorBody(response.body, 'validation_failed');
  expect((await call(api.url, 'GET', `/users/${id}`)).body.paused).toBe(false);
});

test('a reason of 500 characters is taken', async () => {
  const id = await createAda();
  const response = await call(api.url, 'POST', `/users/${id}/pause`, { reason: 'é'.repeat(500) });
  expect(response.status).toBe(200);
  expect(response.body.pauseReason).toBe('é'.repeat(500));
});

test.each([
  ['with content-type application/json', { 'content-type': 'application/json' }],
  ['with content-type text/plain', { 'content-type': 'text/plain' }],
  ['without a content type', {}],
])(
  'an empty body is no body, %s: the user is paused without a reason (as curl -X POST -H sends it)',
  async (_label, headers) => {
    const id = await createAda();
    const response = await fetch(`${api.url}/users/${id}/pause`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, ...headers },
      body: '',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, paused: true, pauseReason: null });
  },
);

test('pause refuses a body that is not JSON (415) or not valid JSON (400 invalid_json)', async () => {
  const id = await createAda();
  const asText = await fetch(`${api.url}/users/${id}/pause`, {
    method: 'POST',
    headers: { ...AUTHORIZATION, 'content-type': 'text/plain' },
    body: 'on leave',
  });
  expect(asText.status).toBe(415);
  expectErrorBody(await asText.json(), 'unsupported_media_type');
  const withoutType = await fetch(`${api.url}/users/${id}/pause`, {
    headers: AUTHORIZATION,
    method: 'POST',
    body: new TextEncoder().encode('{"reason":"x"}'),
  });
  expect(withoutType.status).toBe(415);
  const broken = await fetch(`${api.url}/users/${id}/pause`, {
    method: 'POST',
    headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
    body: '{"reason":',
  });
  expect(broken.status).toBe(400);
  expectErrorBody(await broken.json(), 'invalid_json');
});

describe('when Temporal does not answer', () => {
  test('pause and resume are saved and flagged for the reconciler; the answer is 503 with the saved user', async () => {
    const id = await createAda();
    const app = await appWithTemporalGone(api.db);

    const paused = await app.request(`/users/${id}/pause`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'on leave' }),
    });
    expect(paused.status).toBe(503);
    const pausedBody: any = await paused.json();
    expect(pausedBody.error).toEqual({ code: 'scheduler_unavailable', message: expect.any(String), details: [] });
    expect(pausedBody.user).toMatchObject({ id, paused: true, pauseReason: 'on leave' });
    expect(await api.db.user.findUniqueOrThrow({ where: { id } })).toMatchObject({
      pauseReason: 'on leave',
      workflowSyncRequestedAt: expect.any(Date),
    });

    const resumed = await app.request(`/users/${id}/resume`, { method: 'POST', headers: AUTHORIZATION });
    expect(resumed.status).toBe(503);
    expect(((await resumed.json()) as any).user).toMatchObject({ id, paused: false });
    expect(await api.db.user.findUniqueOrThrow({ where: { id } })).toMatchObject({
      pausedAt: null,
      workflowSyncRequestedAt: expect.any(Date),
    });
  });
  test('a name-only PUT (which only reads the plan) is saved, flagged, and answered 503 with the saved user', async () => {
    const id = await createAda();
    const app = await appWithTemporalGone(api.db);

    const response = await app.request(`/users/${id}`, {
      method: 'PUT',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ada, lastName: 'King' }),
    });

    expect(response.status).toBe(503);
    const body: any = await response.json();
    expect(body.error.code).toBe('scheduler_unavailable');
    expect(body.user).toMatchObject({ id, lastName: 'King', paused: false });
    expect(await api.db.user.findUniqueOrThrow({ where: { id } })).toMatchObject({
      lastName: 'King',
      workflowSyncRequestedAt: expect.any(Date),
    });
  });
});

test('a user whose workflow is not running is paused all the same, and left flagged for the reconciler to start it', async () => {
  const id = await createAda();
  // The API starts the run right after the create's answer.
  await untilRunExists(api.env.client, id);
  await api.env.client.workflow.getHandle(workflowIdFor(id, 'birthday')).terminate('test: the run is gone');

  const paused = await call(api.url, 'POST', `/users/${id}/pause`);

  expect(paused.status).toBe(200);
  expect(paused.body).toMatchObject({ paused: true });
  expect(await flagOf(id)).not.toBeNull();
});
