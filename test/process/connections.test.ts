import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ConfigError, loadConfig } from '../../src/config/config';
import { openConnections } from '../../src/process/connections';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;

useTimeSkippingServer({}, (started) => ({ env } = started));

test('opens Postgres, a Temporal client in the configured namespace and on request a worker connection, and closes them', async () => {
  const warnings: string[] = [];
  const config = loadConfig({
    DATABASE_URL: process.env.TEST_DATABASE_URL!,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: 'opened',
  });
  const connections = await openConnections(config, { warn: (message) => warnings.push(message) });
  try {
    expect(connections.namespace).toBe('default');
    expect(connections.temporal.options.namespace).toBe('default');
    await connections.db.$queryRaw`SELECT 1`;
    await connections.greetingWorkflows(5_000).checkReachable();
    const worker = await connections.connectWorker();
    expect(worker).toBeDefined();
    // The time-skipping server cannot list search attributes: trusted, with a warning.
    expect(warnings).toEqual([expect.stringContaining('could not list the search attributes of namespace default')]);
  } finally {
    await connections.close();
  }
  await expect(connections.greetingWorkflows(1_000).checkReachable()).rejects.toThrow();
});

test('a process on its own without DATABASE_URL or a Temporal address opens nothing and names the setting', async () => {
  const warn = () => {};
  await expect(openConnections(loadConfig({ TEMPORAL_ADDRESS: env.address }), { warn })).rejects.toThrow(ConfigError);
  await expect(openConnections(loadConfig({ TEMPORAL_ADDRESS: env.address }), { warn })).rejects.toThrow(
    /DATABASE_URL must be set/,
  );
  await expect(openConnections(loadConfig({ DATABASE_URL: process.env.TEST_DATABASE_URL! }), { warn })).rejects.toThrow(
    /TEMPORAL_ADDRESS .* must be set/,
  );
});
