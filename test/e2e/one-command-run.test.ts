import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { DateTime } from 'luxon';
import { workflowIdFor } from '../../src/greetings/ids';
import { nextDeliveryQuery } from '../../src/workflows/definitions';
import { sample, scrape } from '../support/metrics-text';
import { npmStartDataDir, npmStartEnv, npmStartPorts, RUNNING, START_ALL } from '../support/npm-start';
import { eventually } from '../support/real-time';
import { ServiceProcess } from '../support/service-process';

/** `npm start`: real embedded Postgres, real Temporal dev server, real time. */
let dataDir: string;
let running: ServiceProcess | undefined;

beforeAll(async () => {
  dataDir = await npmStartDataDir('start');
});

afterAll(async () => {
  running?.kill();
  await rm(dataDir, { recursive: true, force: true });
});

test('npm start runs everything, greets a user on time, stops on Ctrl-C and keeps its data for the next run', async () => {
  const ports = await npmStartPorts();
  // Due 45 s from now in UTC: enough for start-up, short enough for a test.
  const due = DateTime.utc().plus({ seconds: 45 }).startOf('second');
  const env = { ...npmStartEnv(ports, dataDir), DELIVERY_TIME: due.toFormat('HH:mm:ss') };
  const api = `http://127.0.0.1:${ports.PORT}`;

  running = new ServiceProcess(START_ALL, env);
  await running.waitForOutput(RUNNING, 90_000);
  expect(running.output).toContain(`Temporal UI    http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
  expect((await fetch(`${api}/health`)).status).toBe(200);
  expect(await (await fetch(`${api}/ready`)).json()).toMatchObject({ status: 'ready' });
  const webUi = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`);
  expect(webUi.status).toBe(200);
  expect(await webUi.text()).toMatch(/<html/i);

  // No API_KEYS: npm start made a key, keeps it in DATA_DIR/api-key and prints it; nothing but probes answers without.
  const key = (await readFile(path.join(dataDir, 'api-key'), 'utf8')).trim();
  expect(running.output).toContain(`API key        ${key}`);
  const authorization = { authorization: `Bearer ${key}` };
  const refused = await fetch(`${api}/users`);
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);

  const created = await fetch(`${api}/users`, {
    method: 'POST',
    headers: { ...authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: 'Ada',
      lastName: 'Lovelace',
      birthday: `1990-${due.toFormat('MM-dd')}`,
      timezone: 'UTC',
    }),
  });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string };

  await running.waitForOutput("Hey, Ada Lovelace it's your birthday", 90_000);
  expect(running.output).toContain(`due at:          ${due.toISO({ suppressMilliseconds: false })}`);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(running.count('>>> webhook delivery')).toBe(1);

  // One place to scrape, the API's /metrics: the worker process's delivery and SDK metrics, and the API's requests.
  const metrics = await scrape(`${api}/metrics`, authorization);
  expect(sample(metrics, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'delivered' })).toBe(1);
  expect(
    sample(metrics, 'http_request_duration_seconds_count', { method: 'POST', route: '/users', status: '201' }),
  ).toBe(1);
  expect(metrics).toMatch(/^temporal_worker_start/m);
  // Logs are for a person here: pretty, not JSON lines.
  expect(running.output).toMatch(/INFO: \[delivery\] greeting delivered/);
  expect(running.output).not.toMatch(/^\{"level"/m);

  expect(await running.interrupt()).toBe(0);

  // Second run on the same data: the user and the yearly workflow (now waiting for next year) are still there.
  running = new ServiceProcess(START_ALL, env);
  await running.waitForOutput(RUNNING, 90_000);
  // The same key on the next start.
  expect((await fetch(`${api}/users/${user.id}`, { headers: authorization })).status).toBe(200);
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_DEV_PORT}` });
  try {
    const handle = new Client({ connection }).workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // The run confirms this year later in HAND_OVER_WINDOW; next year was armed with the delivery.
    expect((await handle.query(nextDeliveryQuery))?.year).toBeGreaterThanOrEqual(due.year);
  } finally {
    await connection.close();
  }
  // Next year is armed with the delivery (by the dispatcher, or by the run that delivered, which a Ctrl-C right
  // after the greeting may leave to finish its plan on this second start).
  const next = await eventually(async () => {
    const answer = await fetch(`${api}/users/${user.id}/next-delivery`, { headers: authorization });
    const body = (await answer.json()) as { occurrenceYear: number };
    return body.occurrenceYear === due.year + 1 ? body : undefined;
  }, 'next year to be armed');
  expect(next.occurrenceYear).toBe(due.year + 1);
  expect(running.count('>>> webhook delivery')).toBe(0);
  expect(await running.interrupt()).toBe(0);
}, 300_000);
