import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../../src/config/config';
import { configuredTemporal, temporalConnection } from '../../src/temporal/connection-options';

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'connection-options-'));
  await writeFile(file('client.pem'), 'client certificate');
  await writeFile(file('client.key'), 'client key');
  await writeFile(file('ca.pem'), 'server ca');
  await writeFile(
    file('temporal.toml'),
    [
      '[profile.default]',
      'address = "localhost:7233"',
      '',
      '[profile.prod]',
      'address = "greetings.a1b2c.tmprl.cloud:7233"',
      'namespace = "greetings.a1b2c"',
      '[profile.prod.tls]',
      `client_cert_path = "${file('client.pem')}"`,
      `client_key_path = "${file('client.key')}"`,
      '',
      '[profile.broken]',
      'address = "broken.example.com:7233"',
      '[profile.broken.tls]',
      `server_ca_cert_path = "${file('nowhere-ca.pem')}"`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const address = 'greetings.a1b2c.tmprl.cloud:7233';
const connectionFor = (env: Record<string, string>) =>
  temporalConnection(loadConfig({ TEMPORAL_ADDRESS: address, ...env }));
const optionsFor = (env: Record<string, string>) => connectionFor(env).options;

describe('from the TEMPORAL_* settings', () => {
  test('no TLS settings: a plain connection to TEMPORAL_ADDRESS, in namespace default', () => {
    expect(connectionFor({})).toEqual({ options: { address }, namespace: 'default' });
    expect(connectionFor({ TEMPORAL_NAMESPACE: 'greetings' }).namespace).toBe('greetings');
  });

  test("an API key is passed as the SDK's apiKey and turns TLS on", () => {
    const options = optionsFor({ TEMPORAL_API_KEY: 'secret-key' });
    expect(options).toEqual({ address, apiKey: 'secret-key', tls: true });
    // The same object fits both connection kinds, as every process uses it.
    const client: ConnectionOptions = options;
    const worker: NativeConnectionOptions = options;
    expect(client.apiKey).toBe('secret-key');
    expect(worker.apiKey).toBe('secret-key');
  });

  test('an API key with TEMPORAL_TLS=off stays on plain gRPC: TLS is off explicitly, or the SDK would turn it on', () => {
    expect(optionsFor({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'off' })).toEqual({
      address,
      apiKey: 'secret-key',
      tls: false,
    });
  });

  test("TEMPORAL_TLS=on alone: TLS with the system's roots", () => {
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

  test('the dev server address of npm start is used when nothing names an address', () => {
    expect(configuredTemporal(loadConfig({}))).toEqual({ address: undefined, namespace: 'default' });
    expect(temporalConnection(loadConfig({}), '127.0.0.1:7233')).toEqual({
      options: { address: '127.0.0.1:7233' },
      namespace: 'default',
    });
    // A configured address wins over the dev server's.
    expect(temporalConnection(loadConfig({ TEMPORAL_ADDRESS: address }), '127.0.0.1:7233').options.address).toBe(
      address,
    );
    expect(() => temporalConnection(loadConfig({}))).toThrow(
      /TEMPORAL_ADDRESS \(or an address in the TEMPORAL_CONFIG_FILE profile\) must be set/,
    );
  });
});

describe('from a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE)', () => {
  const fromFile = (env: Record<string, string>) =>
    temporalConnection(loadConfig({ TEMPORAL_CONFIG_FILE: file('temporal.toml'), ...env }));

  test('the default profile, unless TEMPORAL_PROFILE names another', () => {
    expect(fromFile({})).toEqual({ options: { address: 'localhost:7233' }, namespace: 'default' });
    expect(
      configuredTemporal(loadConfig({ TEMPORAL_CONFIG_FILE: file('temporal.toml'), TEMPORAL_PROFILE: 'prod' })),
    ).toEqual({
      address,
      namespace: 'greetings.a1b2c',
    });
  });

  test("a profile's TLS files are read like the settings'", () => {
    expect(fromFile({ TEMPORAL_PROFILE: 'prod' })).toEqual({
      namespace: 'greetings.a1b2c',
      options: {
        address,
        tls: { clientCertPair: { crt: Buffer.from('client certificate'), key: Buffer.from('client key') } },
      },
    });
  });

  test('the TEMPORAL_* settings override what the profile says', () => {
    const overridden = fromFile({
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'staging',
    });
    expect(overridden.options.address).toBe('temporal.internal:7233');
    expect(overridden.namespace).toBe('staging');
    expect(
      fromFile({ TEMPORAL_PROFILE: 'prod', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).options.tls,
    ).toMatchObject({
      serverNameOverride: 'temporal.internal',
      clientCertPair: expect.anything(),
    });
  });

  test('a missing file, an unknown profile or an unreadable file it names stops start-up, saying which', () => {
    const nowhere = file('nowhere.toml');
    expect(() => temporalConnection(loadConfig({ TEMPORAL_CONFIG_FILE: nowhere }))).toThrow(
      `TEMPORAL_CONFIG_FILE: cannot read ${nowhere}`,
    );
    expect(() => fromFile({ TEMPORAL_PROFILE: 'staging' })).toThrow(ConfigError);
    expect(() => fromFile({ TEMPORAL_PROFILE: 'staging' })).toThrow(/temporal\.toml: Profile 'staging' not found/);
    expect(() => fromFile({ TEMPORAL_PROFILE: 'broken' })).toThrow(
      `tls.server_ca_cert_path in ${file('temporal.toml')}: cannot read ${file('nowhere-ca.pem')}`,
    );
  });
});
