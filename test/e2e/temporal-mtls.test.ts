import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { startHttpServer } from '../../src/http/http-server';
import { createServiceApp } from '../../src/api/service-app';
import { loadConfig } from '../../src/config/config';
import { createDb } from '../../src/db/client';
import { connectClient } from '../../src/temporal/connect';
import { temporalConnection } from '../../src/temporal/connection-options';
import { isolatedTestDatabaseUrl, startDevServer, uniqueTaskQueue, TEST_WEBHOOK_SECRET } from '../support/environment';
import { deliveriesOf } from '../support/fixtures';
import { dueSoon, eventually } from '../support/real-time';
import { apiWorkflows, call, silentLog, TEST_API_KEY } from '../support/service';
import { startTestReceiver } from '../support/test-receiver';
import { createTestPki, type TestPki } from '../support/test-certificates';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';
import { startWorkerProcess, waitUntilPolling } from '../support/worker-process';

// The dev server speaks plain gRPC; a TLS proxy in front of it that demands a client certificate stands in for a
// cluster with mTLS. The worker process and the API's client reach Temporal only through the proxy, set up only by
// the TEMPORAL_* settings.
const SERVER_NAME = 'temporal.greetings.test';
let env: TestWorkflowEnvironment;
let dir: string;
let pki: TestPki;
let proxy: TlsProxy;

beforeAll(async () => {
  env = await startDevServer();
  dir = await mkdtemp(path.join(tmpdir(), 'temporal-mtls-'));
  pki = await createTestPki(dir, SERVER_NAME, ['greetings-worker', 'greetings-api']);
  const [host, port] = env.address.split(':');
  proxy = await startTlsProxy(pki, { host: host!, port: Number(port) });
});

afterAll(async () => {
  await proxy?.close();
  await env?.teardown();
  await rm(dir, { recursive: true, force: true });
});

jest.setTimeout(300_000);

/** The TEMPORAL_* settings of a process that presents the client certificate `clientName` (none: no certificate). */
function temporalSettings(clientName?: string): Record<string, string> {
  const client = clientName ? pki.clients[clientName]! : undefined;
  return {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.cert,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    ...(client && { TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: client.key }),
  };
}

/** The same as a profile of a TOML file, the form `temporal config` and the SDKs share. */
async function temporalProfileFile(clientName: string): Promise<string> {
  const client = pki.clients[clientName]!;
  const file = path.join(dir, `${clientName}.toml`);
  await writeFile(
    file,
    [
      '[profile.mtls]',
      `address = "${proxy.address}"`,
      '[profile.mtls.tls]',
      `server_ca_cert_path = "${pki.ca.cert}"`,
      `server_name = "${SERVER_NAME}"`,
      `client_cert_path = "${client.cert}"`,
      `client_key_path = "${client.key}"`,
    ].join('\n'),
  );
  return file;
}

test('a worker process configured by a TOML profile and an API by the TLS settings deliver a greeting through an mTLS front', async () => {
  const taskQueue = uniqueTaskQueue('mtls');
  const databaseUrl = await isolatedTestDatabaseUrl('mtls');
  const db = createDb(databaseUrl);
  const receiver = await startTestReceiver();
  // The worker owns DELIVERY_TIME: chosen before it starts, far enough ahead for its start-up.
  const { person, deliveryTime } = dueSoon(20);
  const worker = await startWorkerProcess({
    DELIVERY_TIME: deliveryTime,
    TEMPORAL_CONFIG_FILE: await temporalProfileFile('greetings-worker'),
    TEMPORAL_PROFILE: 'mtls',
    DATABASE_URL: databaseUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  });
  let client: Client | undefined;
  try {
    await waitUntilPolling(env.client, taskQueue, worker);
    client = await connectClient(temporalConnection(loadConfig(temporalSettings('greetings-api'))));
    const app = createServiceApp({
      // Plans a create as the worker process does (its DELIVERY_TIME); no dispatchers: the user's run sends it.
      planning: { settings: { deliveryTime, handOverWindowMs: 0 } },
      apiKeys: [TEST_API_KEY],
      db,
      workflows: apiWorkflows(client, taskQueue),
      log: silentLog,
      metrics: createServiceMetrics(),
    });
    const api = await startHttpServer(app, '127.0.0.1', 0);
    try {
      const created = await call(api.url, 'POST', '/users', person);
      expect(created.status).toBe(201);
      // A query answered by the workflow on the worker, both ends through the proxy.
      const next = await call(api.url, 'GET', `/users/${created.body.id}/next-delivery`);
      expect(next).toMatchObject({ status: 200, body: { timezone: person.timezone, eventType: 'birthday' } });

      await receiver.waitForRequests(1, 60_000);
      const row = await eventually(async () => {
        const [found] = await deliveriesOf(db, created.body.id);
        return found?.status === 'delivered' ? found : undefined;
      }, 'the delivery to be recorded');
      expect(receiver.requests[0]!.headers['idempotency-key']).toBe(row.idempotencyKey);
    } finally {
      await api.close();
    }
    expect(new Set(proxy.acceptedClients)).toEqual(new Set(['greetings-worker', 'greetings-api']));
  } finally {
    await worker.stop();
    await client?.connection.close();
    await receiver.close();
    await db.$disconnect();
  }
});

test('without the client certificate, neither a client nor a worker connection gets through', async () => {
  const { options } = temporalConnection(loadConfig(temporalSettings()));
  expect(options.tls).toMatchObject({ serverNameOverride: SERVER_NAME });
  const refusalsBefore = proxy.refusals.length;
  const acceptedBefore = proxy.acceptedClients.length;

  await expect(Connection.connect({ ...options, connectTimeout: 5_000 })).rejects.toThrow();
  await expect(NativeConnection.connect(options)).rejects.toThrow();

  expect(proxy.refusals.length).toBeGreaterThan(refusalsBefore);
  expect(proxy.refusals.slice(refusalsBefore).join('\n')).toMatch(/certificate/i);
  expect(proxy.acceptedClients.length).toBe(acceptedBefore);
});
