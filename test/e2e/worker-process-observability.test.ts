import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { createDb } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { isolatedTestDatabaseUrl, startDevServer, uniqueTaskQueue, TEST_WEBHOOK_SECRET } from '../support/environment';
import { backdateUser, createUserRow, deliveriesOf } from '../support/fixtures';
import { dueSoon } from '../support/real-time';
import { freePort } from '../support/free-port';
import { sample, scrape } from '../support/metrics-text';
import { ServiceProcess } from '../support/service-process';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';

/** `npm run worker` as an operator runs it, against the real dev server and a database of its own. */
const WORKER = 'src/worker/main.ts';

let env: TestWorkflowEnvironment;
let db: Db;
let databaseUrl: string;
let receiver: TestReceiver;
let worker: ServiceProcess | undefined;

beforeAll(async () => {
  env = await startDevServer();
  databaseUrl = await isolatedTestDatabaseUrl('worker_process');
  db = createDb(databaseUrl);
  receiver = await startTestReceiver();
});

afterAll(async () => {
  worker?.kill();
  await receiver?.close();
  await db?.$disconnect();
  await env?.teardown();
});

/** The JSON lines the process wrote, parsed; anything else on its output would fail the parse. */
function jsonLines(output: string): Array<Record<string, any>> {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}

test("the worker process logs JSON lines (its own, the SDK's, each delivery's) and serves SDK and service metrics on /metrics", async () => {
  const taskQueue = uniqueTaskQueue('worker-process');
  const metricsPort = await freePort();
  // The worker owns DELIVERY_TIME: due right now; the user below existed before that, so the worker's first plan
  // finds the due moment just passed and sends it late, however long the worker took to start.
  const { person, deliveryTime } = dueSoon(0);
  worker = new ServiceProcess(WORKER, {
    ...process.env,
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DELIVERY_TIME: deliveryTime,
    METRICS_PORT: String(metricsPort),
    TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Only the deliveries this test starts: the reconciler's first pass finds nothing, the next is far away.
    RECONCILE_INTERVAL: '1h',
    LOG_LEVEL: 'info',
    LOG_FORMAT: '',
  });
  // The SDK's own line, through the service's logger.
  await worker.waitForOutput('"Worker state changed"', 120_000);
  expect(jsonLines(worker.output)).toContainEqual(
    expect.objectContaining({
      level: 'info',
      component: 'temporal',
      sdkComponent: 'worker',
      msg: 'Worker state changed',
      state: 'RUNNING',
      taskQueue,
    }),
  );

  const user = await createUserRow(db, person);
  await backdateUser(db, user.id, new Date(Date.now() - 3_600_000));
  await new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 }).start(user, 'birthday');
  await receiver.waitForRequests(1, 60_000);
  await worker.waitForOutput('"greeting delivered"', 30_000);

  const [row] = await deliveriesOf(db, user.id);
  expect(row).toMatchObject({ status: 'delivered' });
  const lines = jsonLines(worker.output);
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'info',
      component: 'delivery',
      msg: 'greeting delivered',
      outcome: 'delivered',
      workflowId: workflowIdFor(user.id, 'birthday'),
      runId: row!.runId,
      userId: user.id,
      statusCode: 200,
    }),
  );
  expect(lines.every((line) => typeof line.time === 'string' && typeof line.level === 'string')).toBe(true);
  // webpack's build report is a debug detail; the SDK's one-line summary stays.
  expect(lines.filter((line) => String(line.msg).startsWith('asset workflow-bundle-'))).toEqual([]);
  expect(lines).toContainEqual(expect.objectContaining({ sdkComponent: 'worker', msg: 'Workflow bundle created' }));

  const text = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(sample(text, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'delivered' })).toBe(1);
  expect(sample(text, 'greetings_delivery_lateness_seconds_count', { event_type: 'birthday' })).toBe(1);
  expect(sample(text, 'greetings_webhook_request_duration_seconds_count', { status_class: '2xx' })).toBe(1);
  // The SDK's own metrics, from its Prometheus exporter, on the same page (a delivery is a local activity).
  expect(text).toMatch(/^temporal_\w+/m);
  expect(text).toMatch(
    new RegExp(`^temporal_local_activity_execution_latency_count\\{[^}]*activity_type="deliverGreeting"`, 'm'),
  );
  expect(text).not.toContain('Temporal SDK metrics unavailable');

  // Ctrl-C: the SDK drains the worker and the process exits cleanly.
  expect(await worker.interrupt()).toBe(0);
}, 240_000);
