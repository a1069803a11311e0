import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { armOccurrence } from '../../src/db/armed-occurrences';
import type { Db } from '../../src/db/client';
import { insertUser, markWorkflowSynced, requestWorkflowSync, type User } from '../../src/db/users';
import { armedRowOf } from '../../src/greetings/armed-row';
import { workflowIdFor } from '../../src/greetings/ids';
import { createReconcilerMetrics, type ReconcilerMetrics } from '../../src/metrics/reconciler-metrics';
import { reconcilerScheduleIdsFor } from '../../src/temporal/reconciler-schedules';
import { sweepProgressQuery } from '../../src/workflows/reconciler';
import { createTestWorker, isolatedTestDb, startDevServer, uniqueTaskQueue } from '../support/environment';
import { personWithBirthdayIn } from '../support/fixtures';
import { eventually, sleep } from '../support/real-time';
import { silentLog } from '../support/service';

// The reconciler runs once for the fleet: two workers on one task queue make sure of its Schedules, which run one
// sweep and one quick pass, each on whichever worker takes their tasks. On a real dev server, in real time.
let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  env = await startDevServer();
  db = await isolatedTestDb('fleet_reconciler');
});
afterAll(async () => {
  await env?.teardown();
  await db?.$disconnect();
});

const HOUR_MS = 3_600_000;

async function userWithoutRun(): Promise<User> {
  const now = new Date();
  const user = await insertUser(db, personWithBirthdayIn(20, now.getTime(), 'Asia/Tokyo'), now);
  await markWorkflowSynced(db, user.id, now);
  return user;
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string> }[];
  return values
    .filter((entry) => Object.entries(labels).every(([key, value]) => entry.labels[key] === value))
    .reduce((sum, entry) => sum + entry.value, 0);
}

test('two workers, one fleet: one sweep starts each missing run once, the quick pass syncs the flagged user, progress in the run and on /metrics', async () => {
  const taskQueue = uniqueTaskQueue('fleet');
  const missing = [await userWithoutRun(), await userWithoutRun(), await userWithoutRun()];
  const flagged = await userWithoutRun();
  await requestWorkflowSync(db, flagged.id, new Date(Date.now() - HOUR_MS));

  const registries = [new Registry(), new Registry()];
  const metrics: ReconcilerMetrics[] = registries.map((registry) => createReconcilerMetrics(registry));
  // Each worker of the fleet has its connection, as separate processes would.
  const connections = [await NativeConnection.connect({ address: env.address }), env.nativeConnection];
  const workers = [];
  for (const [index, workerMetrics] of metrics.entries()) {
    workers.push(
      await createTestWorker(env, {
        connection: connections[index],
        db,
        taskQueue,
        webhookUrl: 'http://127.0.0.1:9/never-called',
        reconciler: {
          client: env.client,
          intervalMs: HOUR_MS,
          fullSweepIntervalMs: HOUR_MS,
          log: silentLog,
          metrics: workerMetrics,
        },
      }),
    );
  }
  const ids = reconcilerScheduleIdsFor(taskQueue);
  const stopped = new AbortController();
  const running = Promise.all(
    workers.map((worker) => worker.runUntil(new Promise((r) => stopped.signal.addEventListener('abort', r)))),
  );
  try {
    const sweep = await eventually(async () => {
      for await (const execution of env.client.workflow.list({
        query: `WorkflowType = 'reconcileSweepWorkflow' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`,
      })) {
        return execution;
      }
      return undefined;
    }, 'the sweep the Schedule started at once to finish');
    const handle = env.client.workflow.getHandle(sweep.workflowId, sweep.runId);
    expect(await handle.result()).toMatchObject({ pages: 1, users: 4, started: 3, cancelled: 0, failed: 0 });
    // Its progress, as the Web UI shows it (the run's details) and as its query answers.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/Full sweep: finished/);
    expect(await handle.query(sweepProgressQuery)).toMatchObject({ after: null, progress: { started: 3 } });

    await eventually(async () => {
      for await (const execution of env.client.workflow.list({
        query: `WorkflowType = 'reconcileFlaggedWorkflow' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`,
      })) {
        return execution;
      }
      return undefined;
    }, 'the quick pass the Schedule started at once to finish');
    for (const user of [...missing, flagged]) {
      const { status } = await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).describe();
      expect(status.name).toBe('RUNNING');
    }
    // Once for the fleet: one Schedule each, one sweep, and each missing run started once across both workers.
    const schedules: string[] = [];
    for await (const schedule of env.client.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.filter((id) => id === ids.sweep || id === ids.flagged).sort()).toEqual([ids.flagged, ids.sweep]);
    const started = await Promise.all(
      registries.map((registry) => metricValue(registry, 'greetings_reconciler_started_runs_total', { pass: 'sweep' })),
    );
    expect(started[0]! + started[1]!).toBe(3);
    const synced = await Promise.all(
      registries.map((registry) => metricValue(registry, 'greetings_reconciler_synced_users_total')),
    );
    expect(synced[0]! + synced[1]!).toBe(1);
    const sweptUsers = await Promise.all(
      registries.map((registry) => metricValue(registry, 'greetings_reconciler_last_sweep', { figure: 'users' })),
    );
    expect(sweptUsers.sort()).toEqual([0, 4]); // the flagged user is on the page, left to the quick pass
  } finally {
    stopped.abort();
    await running;
    await connections[0]!.close();
    for (const id of [ids.flagged, ids.sweep]) await env.client.schedule.getHandle(id).delete();
  }
});

test('a worker that starts with newer time-zone data than some armed greeting was planned with runs the sweep at once', async () => {
  const taskQueue = uniqueTaskQueue('newer-data');
  const reconciler = {
    client: env.client,
    intervalMs: HOUR_MS,
    fullSweepIntervalMs: HOUR_MS,
    log: silentLog,
    metrics: createReconcilerMetrics(new Registry()),
  };
  const sweeps = async () => {
    let count = 0;
    for await (const _ of env.client.workflow.list({
      query: `WorkflowType = 'reconcileSweepWorkflow' AND TaskQueue = '${taskQueue}'`,
    })) {
      count += 1;
    }
    return count;
  };
  const ids = reconcilerScheduleIdsFor(taskQueue);
  const first = await createTestWorker(env, {
    db,
    taskQueue,
    webhookUrl: 'http://127.0.0.1:9/never-called',
    reconciler,
  });
  try {
    await first.runUntil(eventually(async () => ((await sweeps()) === 1 ? true : undefined), 'the first sweep'));
    // Every armed row is as this worker's data has it: a worker starting again runs no sweep of its own.
    await db.$executeRaw`UPDATE deliveries SET tz_version = ${process.versions.tz} WHERE status = 'scheduled'`;
    const again = await createTestWorker(env, {
      db,
      taskQueue,
      webhookUrl: 'http://127.0.0.1:9/never-called',
      reconciler,
    });
    await again.runUntil(sleep(1_000));
    expect(await sweeps()).toBe(1);

    // One armed row planned with older data: the next worker to start sweeps at once.
    const user = await userWithoutRun();
    const due = new Date(Date.now() + 30 * 86_400_000);
    await armOccurrence(
      db,
      armedRowOf(user.id, 'birthday', {
        year: due.getUTCFullYear(),
        localDate: due.toISOString().slice(0, 10),
        localDateTime: due.toISOString(),
        instant: due.toISOString(),
        epochMs: due.getTime(),
      }),
    );
    await db.$executeRaw`UPDATE deliveries SET tz_version = '2000a' WHERE user_id = ${user.id}::uuid`;
    const newer = await createTestWorker(env, {
      db,
      taskQueue,
      webhookUrl: 'http://127.0.0.1:9/never-called',
      reconciler,
    });
    await newer.runUntil(eventually(async () => ((await sweeps()) === 2 ? true : undefined), 'a second sweep'));
  } finally {
    for (const id of [ids.flagged, ids.sweep]) await env.client.schedule.getHandle(id).delete();
  }
});
