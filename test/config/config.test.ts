import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DELIVERY_TIME: '09:00',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'yearly-greetings',
      TEMPORAL_UI_PORT: 8233,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
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
      TEMPORAL_NAMESPACE: 'default',
    });
  });

  it('names every bad setting in one error', () => {
    const load = () =>
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://localhost/db',
        TEMPORAL_ADDRESS: 'no-port',
        WEBHOOK_URL: 'ftp://example.com',
        DELIVERY_TIME: '25:00',
      });
    expect(load).toThrow(ConfigError);
    let message = '';
    try {
      load();
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'WEBHOOK_URL', 'DELIVERY_TIME']) {
      expect(message).toContain(`${name}:`);
    }
  });
});
