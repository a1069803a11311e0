import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../../src/config/config';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'connection-options-'));
  await writeFile(file('client.pem'), 'client certificate');
  await writeFile(file('client.key'), 'client key');
  await writeFile(file('ca.pem'), 'server ca');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const address = 'greetings.a1b2c.tmprl.cloud:7233';
const optionsFor = (env: Record<string, string>) => temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: address, ...env }));

test('no TLS settings: a plain connection to TEMPORAL_ADDRESS', () => {
  expect(optionsFor({})).toEqual({ address });
});

test('an API key is passed as the SDK\'s apiKey and turns TLS on', () => {
  const options = optionsFor({ TEMPORAL_API_KEY: 'secret-key' });
  expect(options).toEqual({ address, apiKey: 'secret-key', tls: true });
  // The same object fits both connection kinds, as every process uses it.
  const client: ConnectionOptions = options;
  const worker: NativeConnectionOptions = options;
  expect(client.apiKey).toBe('secret-key');
  expect(worker.apiKey).toBe('secret-key');
});

test('an API key with TEMPORAL_TLS=off stays on plain gRPC', () => {
  expect(optionsFor({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'off' })).toEqual({ address, apiKey: 'secret-key' });
});

test('TEMPORAL_TLS=on alone: TLS with the system\'s roots', () => {
  expect(optionsFor({ TEMPORAL_TLS: 'on' })).toEqual({ address, tls: true });
});

test('mTLS: the client pair, the server CA and the server name are read into the TLS options', () => {
  const options = optionsFor({
    TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key'),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  expect(options.address).toBe(address);
  expect(options.apiKey).toBeUndefined();
  expect(options.tls).toEqual({
    clientCertPair: { crt: Buffer.from('client certificate'), key: Buffer.from('client key') },
    serverRootCACertificate: Buffer.from('server ca'),
    serverNameOverride: 'temporal.internal',
  });
});

test('an unreadable file stops start-up naming the setting and the path', () => {
  const missing = file('nowhere.pem');
  const build = () =>
    optionsFor({ TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key') });
  expect(build).toThrow(ConfigError);
  expect(build).toThrow(`TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${missing}`);
});

test('the dev server address of npm start replaces an unset TEMPORAL_ADDRESS', () => {
  expect(temporalConnectionOptions(loadConfig({}), '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
  expect(() => temporalConnectionOptions(loadConfig({}))).toThrow(/TEMPORAL_ADDRESS must be set/);
});
