import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DELIVERY_TIME: '09:00',
      LEAP_DAY_POLICY: 'feb28',
      TEMPORAL_TASK_QUEUE: 'yearly-greetings',
      TEMPORAL_UI_PORT: 8233,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    // Unset: the profile's namespace, else `default` (test/temporal/connection-options.unit.test.ts).
    expect(config.TEMPORAL_NAMESPACE).toBeUndefined();
    expect(config.WEBHOOK_URL).toBeUndefined();
  });

  it('takes overrides from the environment and treats blank values as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://app:secret@db:5432/greetings',
      TEMPORAL_ADDRESS: 'temporal:7233',
      WEBHOOK_URL: 'https://hooks.example.com/birthday',
      DELIVERY_TIME: '07:30',
      TEMPORAL_NAMESPACE: '',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgresql://app:secret@db:5432/greetings',
      TEMPORAL_ADDRESS: 'temporal:7233',
      WEBHOOK_URL: 'https://hooks.example.com/birthday',
      DELIVERY_TIME: '07:30',
    });
    expect(config.TEMPORAL_NAMESPACE).toBeUndefined();
  });

  it('names every bad setting in one error', () => {
    const load = () =>
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://localhost/db',
        TEMPORAL_ADDRESS: 'no-port',
        WEBHOOK_URL: 'ftp://example.com',
        DELIVERY_TIME: '25:00',
        LEAP_DAY_POLICY: 'march',
      });
    expect(load).toThrow(ConfigError);
    let message = '';
    try {
      load();
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'WEBHOOK_URL',
      'DELIVERY_TIME',
      'LEAP_DAY_POLICY',
    ]) {
      expect(message).toContain(`${name}:`);
    }
  });

  describe('LEAP_DAY_POLICY', () => {
    test.each(['feb28', 'mar1'] as const)('accepts %s', (policy) => {
      expect(loadConfig({ LEAP_DAY_POLICY: policy }).LEAP_DAY_POLICY).toBe(policy);
    });

    test('defaults to feb28 when unset or blank', () => {
      expect(loadConfig({ LEAP_DAY_POLICY: '' }).LEAP_DAY_POLICY).toBe('feb28');
    });

    test.each(['march1', 'Mar1', 'FEB28', 'feb29', ' mar1'])('refuses %j and names the choices', (policy) => {
      expect(() => loadConfig({ LEAP_DAY_POLICY: policy })).toThrow(/LEAP_DAY_POLICY: .*feb28.*mar1/);
    });
  });

  describe('durations', () => {
    test('MAX_DELIVERY_LATENESS defaults to 24 hours, reads units, and "none" lifts the limit', () => {
      expect(loadConfig({}).MAX_DELIVERY_LATENESS).toBe(24 * 3_600_000);
      expect(loadConfig({ MAX_DELIVERY_LATENESS: '90s' }).MAX_DELIVERY_LATENESS).toBe(90_000);
      expect(loadConfig({ MAX_DELIVERY_LATENESS: '2d' }).MAX_DELIVERY_LATENESS).toBe(2 * 86_400_000);
      expect(loadConfig({ MAX_DELIVERY_LATENESS: 'none' }).MAX_DELIVERY_LATENESS).toBeNull();
    });

    test('the reconciler intervals default to a minute and an hour', () => {
      expect(loadConfig({})).toMatchObject({ RECONCILE_INTERVAL: 60_000, RECONCILE_FULL_SWEEP_INTERVAL: 3_600_000 });
      expect(loadConfig({ RECONCILE_INTERVAL: '15s' }).RECONCILE_INTERVAL).toBe(15_000);
    });

    test.each(['24', '1w', '-5m', '1.5h', 'forever'])('refuses %j', (value) => {
      expect(() => loadConfig({ MAX_DELIVERY_LATENESS: value })).toThrow(/MAX_DELIVERY_LATENESS/);
      expect(() => loadConfig({ RECONCILE_INTERVAL: value })).toThrow(/RECONCILE_INTERVAL: expected a duration/);
    });
  });

  describe('logs and metrics', () => {
    test('log at info, format chosen by the entry point, worker metrics on 9464, SDK exporter address chosen by the entry point', () => {
      const config = loadConfig({});
      expect(config).toMatchObject({ LOG_LEVEL: 'info', METRICS_PORT: 9464 });
      expect(config.LOG_FORMAT).toBeUndefined();
      expect(config.TEMPORAL_SDK_METRICS_ADDRESS).toBeUndefined();
    });

    test('takes a level, a format, a port and an exporter address from the environment', () => {
      expect(
        loadConfig({
          LOG_LEVEL: 'debug',
          LOG_FORMAT: 'pretty',
          METRICS_PORT: '9100',
          TEMPORAL_SDK_METRICS_ADDRESS: '0.0.0.0:9101',
        }),
      ).toMatchObject({
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'pretty',
        METRICS_PORT: 9100,
        TEMPORAL_SDK_METRICS_ADDRESS: '0.0.0.0:9101',
      });
    });

    test('refuses an unknown level or format and an address without a port', () => {
      expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
      expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT/);
      expect(() => loadConfig({ TEMPORAL_SDK_METRICS_ADDRESS: 'localhost' })).toThrow(
        /TEMPORAL_SDK_METRICS_ADDRESS: expected host:port/,
      );
    });
  });

  describe('Temporal connection', () => {
    const address = { TEMPORAL_ADDRESS: 'greetings.a1b2c.tmprl.cloud:7233' };

    test('TEMPORAL_TLS reads on/off and true/false/1/0, and refuses anything else', () => {
      for (const on of ['on', 'true', '1'])
        expect(loadConfig({ ...address, TEMPORAL_TLS: on }).TEMPORAL_TLS).toBe(true);
      for (const off of ['off', 'false', '0'])
        expect(loadConfig({ ...address, TEMPORAL_TLS: off }).TEMPORAL_TLS).toBe(false);
      expect(loadConfig({}).TEMPORAL_TLS).toBeUndefined();
      expect(() => loadConfig({ ...address, TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS: expected on or off/);
    });

    test.each([
      [
        'a certificate without its key',
        { TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/temporal/client.pem' },
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
      ],
      [
        'a key without its certificate',
        { TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/temporal/client.key' },
        'TEMPORAL_TLS_CLIENT_CERT_PATH',
      ],
    ])('%s is refused, naming both settings', (_, settings, missing) => {
      expect(() => loadConfig({ ...address, ...settings })).toThrow(
        new RegExp(`${missing}: TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together`),
      );
    });

    test('TLS turned off while TLS files or a server name are given is refused', () => {
      expect(() =>
        loadConfig({
          ...address,
          TEMPORAL_TLS: 'off',
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem',
          TEMPORAL_TLS_SERVER_NAME: 'x',
        }),
      ).toThrow(/TEMPORAL_TLS: is off, but TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME need TLS/);
      // An API key over plain gRPC is allowed on purpose (a local proxy may terminate TLS).
      expect(loadConfig({ ...address, TEMPORAL_TLS: 'off', TEMPORAL_API_KEY: 'key' }).TEMPORAL_API_KEY).toBe('key');
    });

    test('connection settings without TEMPORAL_ADDRESS are refused: the dev server npm start runs is plain', () => {
      expect(() => loadConfig({ TEMPORAL_API_KEY: 'key' })).toThrow(
        /TEMPORAL_ADDRESS: must be set with TEMPORAL_API_KEY/,
      );
    });

    test('with TEMPORAL_CONFIG_FILE the address may come from its profile; TEMPORAL_PROFILE needs the file', () => {
      expect(loadConfig({ TEMPORAL_CONFIG_FILE: '/etc/temporal.toml', TEMPORAL_API_KEY: 'key' })).toMatchObject({
        TEMPORAL_CONFIG_FILE: '/etc/temporal.toml',
        TEMPORAL_API_KEY: 'key',
      });
      expect(() => loadConfig({ TEMPORAL_PROFILE: 'prod' })).toThrow(
        /TEMPORAL_CONFIG_FILE: must name the TOML file that holds TEMPORAL_PROFILE/,
      );
    });

    test('a TLS problem is reported together with other bad settings', () => {
      expect(() => loadConfig({ ...address, PORT: 'eighty', TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' })).toThrow(
        /PORT:[\s\S]*TEMPORAL_TLS_CLIENT_KEY_PATH:/,
      );
    });
  });

  describe('worker tuning', () => {
    test('defaults: 100 activities, 40 workflow tasks, 100 cached workflows, a 30 s shutdown grace time', () => {
      expect(loadConfig({})).toMatchObject({
        WORKER_MAX_CONCURRENT_ACTIVITIES: 100,
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 40,
        WORKER_MAX_CACHED_WORKFLOWS: 100,
        WORKER_SHUTDOWN_GRACE_TIME: 30_000,
      });
    });

    test('reads each setting from the environment', () => {
      expect(
        loadConfig({
          WORKER_MAX_CONCURRENT_ACTIVITIES: '8',
          WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
          WORKER_MAX_CACHED_WORKFLOWS: '0',
          WORKER_SHUTDOWN_GRACE_TIME: '2m',
        }),
      ).toMatchObject({
        WORKER_MAX_CONCURRENT_ACTIVITIES: 8,
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 4,
        WORKER_MAX_CACHED_WORKFLOWS: 0,
        WORKER_SHUTDOWN_GRACE_TIME: 120_000,
      });
    });

    test('refuses values the SDK would refuse', () => {
      const message = errorOf(() =>
        loadConfig({
          WORKER_MAX_CONCURRENT_ACTIVITIES: '0',
          WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1',
          WORKER_MAX_CACHED_WORKFLOWS: '-1',
          WORKER_SHUTDOWN_GRACE_TIME: '30',
        }),
      );
      for (const name of [
        'WORKER_MAX_CONCURRENT_ACTIVITIES',
        'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
        'WORKER_MAX_CACHED_WORKFLOWS',
        'WORKER_SHUTDOWN_GRACE_TIME',
      ]) {
        expect(message).toContain(`${name}:`);
      }
    });
  });

  describe('API_KEYS and WEBHOOK_SECRET', () => {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

    test('are lists: comma-separated, blanks around each dropped, two at once while rotating', () => {
      const config = loadConfig({
        API_KEYS: ' first-key-0123456789 , second-key-0123456789,',
        WEBHOOK_SECRET: `${secret}, whsec_${Buffer.alloc(24, 9).toString('base64')}`,
      });
      expect(config.API_KEYS).toEqual(['first-key-0123456789', 'second-key-0123456789']);
      expect(config.WEBHOOK_SECRET).toHaveLength(2);
      expect(loadConfig({}).API_KEYS).toBeUndefined();
    });

    test.each([
      ['API_KEYS', 'short', 'at least 16 characters'],
      ['API_KEYS', 'a key with spaces in it', 'no spaces'],
      ['API_KEYS', ' , ', 'lists none'],
      ['WEBHOOK_SECRET', 'not-a-whsec-secret', 'whsec_'],
      ['WEBHOOK_SECRET', `whsec_${Buffer.alloc(16).toString('base64')}`, '24+ random bytes'],
    ])('%s=%j is refused: %s', (name, value, problem) => {
      expect(() => loadConfig({ [name]: value })).toThrow(problem);
    });
  });
});

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}
