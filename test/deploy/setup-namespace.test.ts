import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import { argumentsOf, environmentOf, loadComposeFile } from '../support/compose-file';
import { startDevServer } from '../support/environment';
import { projectRoot } from '../support/package-scripts';

// The temporal-setup step of docker-compose.yml, run for real: its script, its arguments from the compose file and a
// real temporal CLI, against a real Temporal dev server instead of the compose stack's server (Docker cannot run
// here). The CLI calls are the same whatever persistence the server has.

const setupService = loadComposeFile(path.join(projectRoot, 'docker-compose.yml')).services['temporal-setup']!;
const script = path.join(projectRoot, 'deploy/temporal/setup-namespace.sh');

let server: TestWorkflowEnvironment;
let binDir: string;

beforeAll(async () => {
  server = await startDevServer();
  // The script calls `temporal` from PATH, as in the admin-tools image.
  binDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-cli-'));
  await symlink(process.env.TEST_TEMPORAL_CLI!, path.join(binDir, 'temporal'));
});

afterAll(async () => {
  await server?.teardown();
  await rm(binDir, { recursive: true, force: true });
});

/** Runs the script as the compose file does, with the service's environment and the given overrides. */
function runSetup(overrides: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env = { ...environmentOf(setupService), PATH: `${binDir}:${process.env.PATH}`, HOME: tmpdir(), ...overrides };
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [script, ...argumentsOf(setupService.command)], { env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function customSearchAttributes(namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await server.connection.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
}

test('creates the namespace and registers the search attributes with their types, again on a rerun', async () => {
  const namespace = `compose-setup-${process.pid}-${Date.now()}`;
  const expected = Object.fromEntries(
    greetingSearchAttributes.map((key) => [key.name, Number(encodeSearchAttributeIndexedValueType(key.type))]),
  );

  // The compose stack's server is `temporal:7233`; this one runs on a free local port.
  const target = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, SETUP_ATTEMPTS: '20' };
  const first = await runSetup(target);
  expect(first).toEqual({ code: 0, output: expect.stringContaining('Temporal is ready for yearly-greetings') });
  const { namespaceInfo, config } = await server.connection.workflowService.describeNamespace({ namespace });
  expect(namespaceInfo?.name).toBe(namespace);
  // Past years' runs stay visible in the Web UI for 30 days.
  expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(720 * 3600);
  expect(await customSearchAttributes(namespace)).toEqual(expected);

  // `docker compose up` runs the step again on every start.
  const second = await runSetup(target);
  expect(second).toEqual({ code: 0, output: expect.stringContaining('Temporal is ready for yearly-greetings') });
  expect(await customSearchAttributes(namespace)).toEqual(expected);
});

test('gives up with a failure, instead of hanging, when no Temporal server answers', async () => {
  // Port 1 on loopback: nothing listens there.
  const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'default', SETUP_ATTEMPTS: '2' };
  const result = await runSetup(nowhere);
  expect(result.code).not.toBe(0);
  expect(result.output).toContain('gave up after 2 attempts');
});
