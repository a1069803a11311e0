import { benchPerson } from './api-client';
import { PlanProbe, plannedRow } from './create';
import { createUsers } from './create-phase';
import { waitForDrain } from './drain';
import { dueAfter } from './due-instant';
import { stackShape, type BenchOptions } from './options';
import { startBenchReceiver } from './receiver';
import type { BenchResult, Row } from './report';
import { openSession } from './session';
import { spreadBirthday } from './spread';
import { distribution, sleep } from './stats';
import { postgresSizes, temporalSqliteBytes } from './storage';
import { workflowIdFor } from '../src/greetings/ids';

const PROBE_EVERY = 100;
const HISTORY_SAMPLE = 5;
const WORKER = 'worker 1';

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const perUser = (bytes: number, users: number) => `${(bytes / Math.max(1, users)).toFixed(0)} B/user`;

export async function runScale(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const shape = stackShape(options);
  const receiver = await startBenchReceiver();
  const lane = receiver.lane('temporal');
  // Creates at 25/s (a bulk create goes at the pace the workers plan: 30-45/s on two cores), plus three minutes:
  // today's users are due a few minutes after creation ends.
  const neededMs = Math.ceil((options.users / 25) * 1000) + 180_000;
  const session = await openSession(options, receiver, {
    neededMs,
    plan: (allowanceMs) => dueAfter(Date.now(), allowanceMs + neededMs),
  });
  const warnings: string[] = [];
  try {
    const due = session.due!;
    const today = due.birthday.slice(5);
    // Everyone in one zone (the due instant's), birthdays spread over the year: about N/365 due at the instant.
    const birthdayOf = (index: number) => (index % 365 === 0 ? due.birthday : spreadBirthday(index));
    const probe = new PlanProbe(session);
    console.log(
      `creating ${options.users} users in ${due.timezone}; those born on ${today} are due ${new Date(due.dueMs).toISOString()}`,
    );
    const create = await createUsers(
      session.api,
      options.users,
      options.concurrency,
      (index) => benchPerson(index, birthdayOf(index), due.timezone),
      (user) => {
        if (user.index % PROBE_EVERY === 0) probe.follow(user);
      },
    );
    const planned = await probe.figures();
    const dueToday = create.users.filter((user) => birthdayOf(user.index).slice(5) === today);
    if (create.endedAtMs > due.dueMs)
      warnings.push('creation ended after the due instant: the rush figures are not valid');

    // At rest: every created user's run is running with a plan.
    const restDeadline = Date.now() + 120_000 + options.users * 5;
    let plannedRuns = 0;
    while ((plannedRuns = await session.temporal.runningPlanned()) < create.users.length && Date.now() < restDeadline) {
      await sleep(1000);
    }
    if (plannedRuns < create.users.length)
      warnings.push(`only ${plannedRuns} of ${create.users.length} runs planned before the rush`);
    session.usage?.mark('rest');
    await sleep(5_000);
    session.usage?.end('rest');

    console.log(
      `waiting ${Math.max(0, Math.round((due.dueMs - Date.now()) / 1000))} s for ${dueToday.length} users due at once`,
    );
    await sleep(due.dueMs - Date.now());
    session.usage?.mark('rush');
    const drained = await waitForDrain(lane, dueToday.length, 'drain');
    if (!drained) warnings.push(`only ${lane.users.size} of ${dueToday.length} users due today were greeted`);
    const settleDeadline = Date.now() + 60_000 + dueToday.length * 20;
    while ((await session.temporal.runningPlannedAfter(due.dueMs)) < dueToday.length && Date.now() < settleDeadline) {
      await sleep(1000);
    }
    session.usage?.end('rush');

    const delivered = await Promise.all(
      dueToday
        .slice(0, HISTORY_SAMPLE)
        .map((user) => session.temporal.runHistories(workflowIdFor(user.id, 'birthday'))),
    );
    const sleeping = await Promise.all(
      create.users
        .filter((user) => birthdayOf(user.index).slice(5) !== today)
        .slice(0, HISTORY_SAMPLE)
        .map((user) => session.temporal.runHistories(workflowIdFor(user.id, 'birthday'))),
    );
    // The users were created in this run, so a delivered user's first run is the one that delivered. It hands over to
    // next year's run within HAND_OVER_WINDOW (3 h by default): until then its history is counted as it stands.
    const deliveringRuns = delivered.flatMap((runs) => runs.slice(0, 1));
    const deliveringRunEvents = distribution(deliveringRuns.map((run) => run.events));
    const deliveringStillRunning = deliveringRuns.filter((run) => run.status === 'RUNNING').length;
    const sleepingRunEvents = distribution(sleeping.flatMap((runs) => runs.map((run) => run.events)));

    const postgres = await postgresSizes(session.stack.databaseUrl);
    // Only the dev server keeps Temporal in sqlite files; the real server's data is in its own Postgres.
    const temporalBytes =
      session.stack.dataDir && options.engine === 'dev' ? await temporalSqliteBytes(session.stack.dataDir) : null;
    const rest = session.usage?.figures('rest')[WORKER];
    const rush = session.usage?.figures('rush')[WORKER];
    const users = create.users.length;
    const storageRows: Row[] = [
      { name: 'Postgres database', value: `${mb(postgres.database)} (${perUser(postgres.database, users)})` },
      ...Object.entries(postgres.tables).map(([table, bytes]) => ({
        name: `  table ${table}`,
        value: `${mb(bytes)} (${perUser(bytes, users)})`,
      })),
      {
        name: 'Temporal sqlite (+wal, shm)',
        value:
          temporalBytes === null
            ? 'n/a (attached stack, or --engine server)'
            : `${mb(temporalBytes)} (${perUser(temporalBytes, users)})`,
      },
    ];
    return {
      kind: 'scale',
      users: options.users,
      startedAt,
      stack: shape,
      settings: {
        users: options.users,
        concurrency: options.concurrency,
        timezone: due.timezone,
        deliveryTime: due.deliveryTime,
        dueAt: new Date(due.dueMs).toISOString(),
        dueToday: dueToday.length,
        ...shape,
      },
      figures: {
        create,
        planned,
        dueToday: dueToday.length,
        deliveringRunEvents,
        deliveringRunsNotHandedOver: deliveringStillRunning,
        sleepingRunEvents,
        postgres,
        temporalBytes,
        usage: { rest: session.usage?.figures('rest'), rush: session.usage?.figures('rush') },
      },
      warnings,
      plots: [],
      sections: [
        {
          title: `${options.users} registered users`,
          rows: [
            {
              name: 'create rate',
              value: `${create.ratePerSecond.toFixed(1)} users/s, answers ${JSON.stringify(create.statuses)}`,
            },
            plannedRow(`planned within during the bulk create (every ${PROBE_EVERY}th)`, planned),
            {
              name: 'worker RSS at rest',
              value: rest ? `${rest.peakRssMb.toFixed(0)} MB (${WORKER})` : 'n/a (attached stack)',
            },
            {
              name: `worker in the rush (${dueToday.length} due)`,
              value: rush
                ? `peak RSS ${rush.peakRssMb.toFixed(0)} MB, ${(rush.cpuMs / 1000).toFixed(1)} CPU s`
                : 'n/a (attached stack)',
            },
            {
              name: 'history events, run that delivered',
              value: `p50 ${deliveringRunEvents.p50 ?? 'n/a'} · max ${deliveringRunEvents.max ?? 'n/a'} (${deliveringRunEvents.count} runs, ${deliveringStillRunning} not yet handed over)`,
            },
            {
              name: 'history events, sleeping run',
              value: `p50 ${sleepingRunEvents.p50 ?? 'n/a'} · max ${sleepingRunEvents.max ?? 'n/a'} (${sleepingRunEvents.count} runs)`,
            },
          ],
        },
        { title: 'Storage', rows: storageRows },
      ],
    };
  } finally {
    await session.close();
    await receiver.close();
  }
}
