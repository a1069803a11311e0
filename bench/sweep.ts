import type { Client } from '@temporalio/client';
import { benchPerson, type ApiClient } from './api-client';
import { stackShape, type BenchOptions } from './options';
import { startBenchReceiver } from './receiver';
import { usageRows, type BenchResult } from './report';
import { seedUsersWithArmedBirthdays } from './seed-users';
import { openSession } from './session';
import { spreadBirthday } from './spread';
import { distribution, sleep } from './stats';
import type { SweepProgress } from '../src/activities/reconcile-users';
import { loadConfig } from '../src/config/config';
import { createDb } from '../src/db/client';
import { reconcilerScheduleIdsFor } from '../src/temporal/reconciler-schedules';

/** API creates a second while the sweep restores every run: are writes refused meanwhile? */
const WRITE_RATE = 5;
/** How long the bench waits for the restored runs' first plans after the sweep ended. */
const SETTLE_LIMIT_MS = 15 * 60_000;

/**
 * `npm run bench -- sweep`: the fleet reconciler at scale. N users are written straight into Postgres with no
 * workflow (what Postgres holds when Temporal's store is lost), then the full sweep is triggered through its Schedule
 * and restores every run (starts per second, API creates answered meanwhile, how long until every run has planned);
 * then a second sweep finds everything at rest (time, queries, CPU).
 */
export async function runSweep(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const receiver = await startBenchReceiver();
  const session = await openSession(options, receiver, undefined);
  const db = createDb(session.stack.databaseUrl);
  const warnings: string[] = [];
  try {
    const client = session.temporal.client;
    const scheduleId = reconcilerScheduleIdsFor(loadConfig().TEMPORAL_TASK_QUEUE).sweep;
    // The worker's first sweep (run when it created the Schedule) found no users: wait for it before seeding.
    await finishedSweep(client, startedAt.getTime());

    const seedStartMs = Date.now();
    await seedUsersWithArmedBirthdays(
      db,
      options.users,
      (index) => benchPerson(index, spreadBirthday(index), 'Europe/Paris'),
      session.due?.deliveryTime ?? '09:00',
    );
    console.log(`seeded ${options.users} users in Postgres in ${((Date.now() - seedStartMs) / 1000).toFixed(1)} s`);

    console.log('recovery: the full sweep restores every run');
    session.usage?.mark('recovery');
    const writes = new WriteProbe(session.api);
    const recoveryTriggerMs = Date.now();
    await client.schedule.getHandle(scheduleId).trigger();
    writes.start();
    const recovery = await finishedSweep(client, recoveryTriggerMs);
    await writes.stop();
    session.usage?.end('recovery');
    const recoveryMs = recovery.closedMs - recovery.startedMs;
    console.log(`recovery sweep: ${recovery.progress.started} runs started in ${(recoveryMs / 1000).toFixed(1)} s`);
    if (recovery.progress.started !== options.users) {
      warnings.push(`the recovery sweep started ${recovery.progress.started} runs for ${options.users} users`);
    }

    // Every seeded user's run, and those of the users the API created meanwhile.
    const expectedRuns = options.users + (writes.byStatus['201'] ?? 0);
    const settleStartMs = Date.now();
    let planned = 0;
    while ((planned = await session.temporal.runningPlanned()) < expectedRuns) {
      if (Date.now() - settleStartMs > SETTLE_LIMIT_MS) break;
      await sleep(2_000);
    }
    const allPlannedMs = planned >= expectedRuns ? Date.now() - recoveryTriggerMs : null;
    if (allPlannedMs === null) warnings.push(`only ${planned} of ${expectedRuns} runs had planned`);

    console.log('at rest: the full sweep again');
    session.usage?.mark('rest');
    const restTriggerMs = Date.now();
    await client.schedule.getHandle(scheduleId).trigger();
    const rest = await finishedSweep(client, restTriggerMs);
    session.usage?.end('rest');
    const restMs = rest.closedMs - rest.startedMs;
    if (rest.progress.started + rest.progress.cancelled > 0) {
      warnings.push(`the sweep at rest started ${rest.progress.started} and cancelled ${rest.progress.cancelled}`);
    }

    const recoveryUsage = session.usage?.figures('recovery') ?? {};
    const restUsage = session.usage?.figures('rest') ?? {};
    const writeLatency = distribution(writes.latenciesMs);
    const figures = {
      users: options.users,
      recovery: {
        sweepMs: recoveryMs,
        started: recovery.progress.started,
        startsPerSecond: recovery.progress.started / (recoveryMs / 1000),
        queries: recovery.progress.queries,
        pages: recovery.progress.pages,
        allPlannedMs,
        planned,
        writes: { sent: writes.latenciesMs.length, byStatus: writes.byStatus, latencyMs: writeLatency },
        usage: recoveryUsage,
      },
      rest: {
        sweepMs: restMs,
        users: rest.progress.users,
        runs: rest.progress.runs,
        queries: rest.progress.queries,
        pages: rest.progress.pages,
        started: rest.progress.started,
        cancelled: rest.progress.cancelled,
        usage: restUsage,
      },
    };
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return {
      kind: 'sweep',
      users: options.users,
      startedAt,
      stack: stackShape(options),
      settings: { writeRatePerSecond: WRITE_RATE, taskQueue: loadConfig().TEMPORAL_TASK_QUEUE },
      figures,
      sections: [
        {
          title: `Recovery: Temporal's store holds no run, Postgres ${options.users} users; one sweep`,
          rows: [
            { name: 'sweep (start to end of its run)', value: seconds(recoveryMs) },
            {
              name: 'runs started',
              value: `${recovery.progress.started} (${figures.recovery.startsPerSecond.toFixed(1)} /s)`,
            },
            { name: 'queries (Postgres + visibility)', value: String(recovery.progress.queries) },
            {
              name: 'every restored run planned',
              value:
                allPlannedMs === null
                  ? `not within the limit (${planned})`
                  : `${seconds(allPlannedMs)} after the trigger`,
            },
            {
              name: `API creates meanwhile (${WRITE_RATE}/s)`,
              value: `${Object.entries(writes.byStatus)
                .map(([status, count]) => `${count} × ${status}`)
                .join(', ')}; p50 ${Math.round(writeLatency.p50 ?? 0)} ms, p99 ${Math.round(writeLatency.p99 ?? 0)} ms`,
            },
            ...usageRows(recoveryUsage),
          ],
        },
        {
          title: `At rest: every run there; one sweep`,
          rows: [
            { name: 'sweep (start to end of its run)', value: seconds(restMs) },
            { name: 'users compared / runs listed', value: `${rest.progress.users} / ${rest.progress.runs}` },
            {
              name: 'queries (Postgres + visibility)',
              value: `${rest.progress.queries} in ${rest.progress.pages} pages`,
            },
            { name: 'started / cancelled', value: `${rest.progress.started} / ${rest.progress.cancelled}` },
            ...usageRows(restUsage),
          ],
        },
      ],
      warnings,
      plots: [],
    };
  } finally {
    await db.$disconnect();
    await session.close();
    await receiver.close();
  }
}

interface FinishedSweep {
  progress: SweepProgress;
  startedMs: number;
  closedMs: number;
}

/** The first sweep run started at or after `sinceMs`, once it has finished. */
async function finishedSweep(client: Client, sinceMs: number): Promise<FinishedSweep> {
  const since = new Date(sinceMs - 1_000).toISOString();
  for (;;) {
    for await (const execution of client.workflow.list({
      query: `WorkflowType = 'reconcileSweepWorkflow' AND StartTime >= '${since}'`,
    })) {
      const progress = (await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .result()) as SweepProgress;
      const { closeTime } = await client.workflow.getHandle(execution.workflowId).describe();
      return { progress, startedMs: progress.startedAtMs, closedMs: closeTime?.getTime() ?? Date.now() };
    }
    await sleep(500);
  }
}

/** Creates users through the API at WRITE_RATE a second while it runs, and counts the answers. */
class WriteProbe {
  readonly latenciesMs: number[] = [];
  readonly byStatus: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown>[] = [];
  private index = 0;

  constructor(private readonly api: Pick<ApiClient, 'createUser'>) {}

  start(): void {
    this.timer = setInterval(() => {
      const index = this.index++;
      const call = this.api
        .createUser(benchPerson(1_000_000 + index, spreadBirthday(index), 'Asia/Tokyo'), `sweep-bench-${index}`)
        .then((answer) => {
          this.latenciesMs.push(answer.latencyMs);
          this.byStatus[answer.status] = (this.byStatus[answer.status] ?? 0) + 1;
        });
      this.inFlight.push(call);
    }, 1000 / WRITE_RATE);
  }

  stop(): Promise<unknown> {
    clearInterval(this.timer);
    return Promise.all(this.inFlight);
  }
}
