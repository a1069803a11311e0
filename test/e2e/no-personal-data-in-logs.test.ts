import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { npmStartDataDir, npmStartEnv, npmStartPorts, RUNNING, START_ALL } from '../support/npm-start';
import { ServiceProcess } from '../support/service-process';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';

/**
 * Issue 11 §4: no personal data in logs at info level, no secrets ever. The whole service as `npm start` runs it
 * (API, worker, reconciler, the Temporal SDK's own logs) at LOG_LEVEL=info, through every route that handles a
 * person and one real delivery; then everything the process printed is searched for what it must never hold.
 */
const person = {
  firstName: 'Zebulonia',
  lastName: 'Quintavalle',
  email: 'zebulonia.quintavalle@example.org',
};
const renamed = { firstName: 'Ottoline', lastName: 'Wyndham-Brisk' };

let dataDir: string;
let receiver: TestReceiver;
let running: ServiceProcess | undefined;

beforeAll(async () => {
  dataDir = await npmStartDataDir('logs');
  receiver = await startTestReceiver();
});

afterAll(async () => {
  running?.kill();
  await receiver.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('at info level no log line of a create, read, list, change, pause and delivery holds a name, an email, the API key, the webhook secret or a signature', async () => {
  const apiKey = `logs_${randomBytes(18).toString('base64url')}`;
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const ports = await npmStartPorts();
  // Due 40 s from now in UTC: enough for start-up, short enough for a test.
  const due = DateTime.utc().plus({ seconds: 40 }).startOf('second');
  running = new ServiceProcess(START_ALL, {
    ...npmStartEnv(ports, dataDir),
    DELIVERY_TIME: due.toFormat('HH:mm:ss'),
    API_KEYS: apiKey,
    WEBHOOK_SECRET: webhookSecret,
    // Our receiver, not npm start's, which prints each greeting by design.
    WEBHOOK_URL: receiver.url,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  });
  await running.waitForOutput(RUNNING, 90_000);

  const api = `http://127.0.0.1:${ports.PORT}`;
  const call = async (method: string, route: string, body?: unknown, key = apiKey) => {
    const response = await fetch(`${api}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  };
  const fields = { ...person, birthday: `1990-${due.toFormat('MM-dd')}`, timezone: 'UTC' };

  const created = await call('POST', '/users', fields);
  expect(created.status).toBe(201);
  const { id } = JSON.parse(created.body) as { id: string };
  // Answers that carry or echo the person: a duplicate email, a refused body, a wrong key.
  expect((await call('POST', '/users', { ...fields, firstName: 'Other' })).status).toBe(409);
  expect((await call('POST', '/users', { ...fields, birthday: 'not a date' })).status).toBe(400);
  expect((await call('GET', '/users', undefined, `${apiKey}-wrong`)).status).toBe(401);
  expect((await call('GET', `/users/${id}`)).status).toBe(200);
  expect((await call('GET', `/users?limit=10&timezone=UTC`)).status).toBe(200);
  expect((await call('POST', `/users/${id}/pause`, { reason: `${person.firstName} asked for a break` })).status).toBe(
    200,
  );
  expect((await call('POST', `/users/${id}/resume`)).status).toBe(200);
  // A PUT that keeps birthday and zone: only the name changes, and the greeting still comes due.
  expect((await call('PUT', `/users/${id}`, { ...fields, ...renamed })).status).toBe(200);

  const [delivery] = await receiver.waitForRequests(1, 90_000);
  expect(delivery!.body.message).toContain(renamed.firstName);
  await running.waitForOutput('greeting delivered', 30_000);
  expect((await call('GET', `/users/${id}/deliveries`)).status).toBe(200);
  expect(await running.interrupt()).toBe(0);

  const output = running.output;
  // The log is there and talks about this user, by id only.
  expect(output).toMatch(/"msg":"request"/);
  expect(output).toContain(id);
  const signature = String(delivery!.headers['webhook-signature']);
  const never = [
    ...Object.values(person),
    ...Object.values(renamed),
    String(delivery!.body.message),
    apiKey,
    webhookSecret,
    webhookSecret.slice('whsec_'.length),
    signature,
    signature.slice('v1,'.length),
  ];
  const found = never.filter((text) => output.toLowerCase().includes(text.toLowerCase()));
  expect({ found, output: found.length ? output : '' }).toEqual({ found: [], output: '' });
}, 300_000);
