import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  MissingSearchAttributesError,
  requireSearchAttributes,
} from '../../src/temporal/search-attribute-registration';
import { startTimeSkippingServer, testTemporalCli } from '../support/environment';
import { runProcess } from '../support/run-process';

// The start-up check of the API and the worker, against real servers: a dev server started without the greeting
// search attributes, and the time-skipping server, which cannot list them.

test('a namespace without the attributes stops start-up, and the commands it prints register them', async () => {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: testTemporalCli() },
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'error' },
    },
  });
  try {
    const namespace = env.namespace ?? 'default';
    const warnings: string[] = [];
    const refusal = await requireSearchAttributes(env.connection, namespace, (message) => warnings.push(message)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(MissingSearchAttributesError);
    const message = (refusal as Error).message;
    expect(message).toMatch(/lacks the search attributes GreetingUserId, GreetingEventType, GreetingNextDeliveryAt/);

    // Run the printed commands as an operator would, with the real CLI against this server.
    const commands = message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    expect(commands).toHaveLength(3);
    for (const command of commands) {
      const [, ...args] = command.split(' ');
      const result = await runProcess(testTemporalCli(), [...args, '--address', env.address]);
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
    }
    await expect(
      requireSearchAttributes(env.connection, namespace, (line) => warnings.push(line)),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  } finally {
    await env.teardown();
  }
});

test('a server that cannot list search attributes is trusted, with a warning', async () => {
  const env = await startTimeSkippingServer();
  try {
    const warnings: string[] = [];
    await expect(
      requireSearchAttributes(env.connection, 'default', (message) => warnings.push(message)),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/could not list the search attributes of namespace default/)]);
  } finally {
    await env.teardown();
  }
});
