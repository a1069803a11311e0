import type { WorkflowStartOptions } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import type { DeliveryObservers } from '../../src/activities/delivery-report';
import { createDb, type Db } from '../../src/db/client';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { registerSearchAttributes } from '../../src/temporal/search-attribute-registration';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import { workflowIdFor } from '../../src/greetings/ids';
import type { LeapDayPolicy } from '../../src/time/next-occurrence';
import { createGreetingWorker, type WorkerReconciler } from '../../src/worker/create-worker';
import { yearlyGreetingWorkflow } from '../../src/workflows/yearly-greeting';
import { replayingOnTeardown } from './replay-on-teardown';
import { silentLog } from './silent-log';
import { copyOfTemplateDatabase } from './test-databases';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global setup provides it)`);
  return value;
}

/** WEBHOOK_SECRET of every test worker: test receivers verify deliveries with it. */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('yearly-greetings test signing key!').toString('base64')}`;

/** The calling test file's own migrated database (see database-per-file.ts). */
export function testDb(): Db {
  return createDb(required('TEST_DATABASE_URL'));
}

/** The real `temporal` CLI the run uses (the one that runs the dev server). */
export function testTemporalCli(): string {
  return required('TEST_TEMPORAL_CLI');
}

/** The real Temporal test server (Java), with time skipping and the service's search attributes. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await startWithinSdkWindow(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: required('TEST_TIME_SKIPPING_SERVER') } },
    }),
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return replayingOnTeardown(env);
}

/**
 * The SDK gives a server 5 s to accept connections, a window a JVM start misses now and then on a machine whose cores
 * other test files keep busy: a start that missed it is tried again (the SDK has killed that process).
 */
async function startWithinSdkWindow<T>(start: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      // The native bridge's errors come from another realm than Jest's: read the message, not instanceof.
      const missedWindow = /did not start within/.test(String((error as { message?: unknown })?.message));
      if (!missedWindow || attempt >= tries) throw error;
    }
  }
}

/**
 * The real Temporal dev server (Go), in real time, on a free port. Both servers replay every history they hold
 * against the current code before they are torn down (see replayingOnTeardown).
 */
export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: required('TEST_TEMPORAL_CLI') },
      ip: '127.0.0.1',
      searchAttributes: greetingSearchAttributes,
      log: { format: 'pretty', level: 'error' },
    },
  });
  return replayingOnTeardown(env);
}

let taskQueueCounter = 0;

/** A task queue no other test uses, so workers of different tests never pick up each other's tasks. */
export function uniqueTaskQueue(label: string): string {
  taskQueueCounter += 1;
  return `test-${label}-${process.pid}-${taskQueueCounter}`;
}

/** The real worker (real activities, real Postgres) on the given environment; silent, with metrics of its own, unless given. */
export function createTestWorker(
  env: TestWorkflowEnvironment,
  options: Partial<DeliveryObservers> & {
    db: Db;
    taskQueue: string;
    webhookUrl: string;
    webhookTimeoutMs?: number;
    maxLatenessMs?: number | null;
    /** DELIVERY_TIME of the worker; 09:00 unless given. */
    deliveryTime?: string;
    leapDayPolicy?: LeapDayPolicy;
    /** HAND_OVER_WINDOW of the worker; unset: a run hands over right after its delivery. */
    handOverWindowMs?: number;
    connection?: NativeConnection;
    /**
     * Plans start their instant's dispatcher. Unset: on the dev server only. With time skipping, the workflows' clock
     * runs ahead of the database's, on which a dispatcher claims (never before the database says due), so there the
     * users' own runs deliver: the guarantee the dispatcher speeds up (test/e2e/due-dispatch.test.ts tests it).
     */
    dispatch?: boolean;
    /** The fleet's reconciler (its Schedules and activities); unset: none. */
    reconciler?: WorkerReconciler;
  },
): Promise<Worker> {
  return createGreetingWorker({
    connection: options.connection ?? env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    db: options.db,
    webhookUrl: options.webhookUrl,
    webhookSecrets: [TEST_WEBHOOK_SECRET],
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
    maxLatenessMs: options.maxLatenessMs === undefined ? 24 * 3_600_000 : options.maxLatenessMs,
    deliveryTime: options.deliveryTime ?? '09:00',
    leapDayPolicy: options.leapDayPolicy,
    handOverWindowMs: options.handOverWindowMs,
    ...((options.dispatch ?? !env.supportsTimeSkipping) && {
      dueDispatch: { client: env.client, passes: 2, retryHorizonMs: options.handOverWindowMs ?? 0 },
    }),
    workflowBundle: { codePath: required('TEST_WORKFLOW_BUNDLE') },
    reconciler: options.reconciler,
    log: options.log ?? silentLog,
    metrics: options.metrics ?? createDeliveryMetrics(new Registry()),
  });
}

/**
 * A database of its own beside the file's (a copy of the migrated template), for a test that must see no other
 * test's rows, not even those of the same file (the reconciler sweeps every row).
 */
export async function isolatedTestDb(label: string): Promise<Db> {
  return createDb(await copyOfTemplateDatabase(label));
}

/** The URL of such a database (see isolatedTestDb), e.g. for a worker in a child process. */
export function isolatedTestDatabaseUrl(label: string): Promise<string> {
  return copyOfTemplateDatabase(label);
}

/**
 * Starts a user's yearly greeting workflow straight on the server, as the API would (the workflow plans from the
 * user's row); `options` may add start options (a shorter workflow task timeout, say).
 */
export function startGreetingWorkflow(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  user: { id: string },
  options: Partial<Pick<WorkflowStartOptions<typeof yearlyGreetingWorkflow>, 'workflowTaskTimeout'>> = {},
) {
  return env.client.workflow.start(yearlyGreetingWorkflow, {
    workflowId: workflowIdFor(user.id, 'birthday'),
    taskQueue,
    args: [{ userId: user.id, eventType: 'birthday' }],
    ...options,
  });
}
