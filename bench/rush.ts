import { benchPerson } from './api-client';
import { drainFigures, waitForDrain } from './drain';
import { dueAfter } from './due-instant';
import { stackShape, type BenchOptions } from './options';
import { startBenchReceiver } from './receiver';
import { usageRows, type BenchResult, type Row } from './report';
import { seedUsersWithArmedBirthdays } from './seed-users';
import { openSession } from './session';
import { sleep } from './stats';
import { createDb } from '../src/db/client';

const WORKER = 'worker 1';
/** Time given to the seeding (100,000 users and rows take about 40 s here) and to the dispatch sweep's start. */
const LEAD_MS_PER_USER = 1;
const LEAD_MS = 120_000;

/**
 * `npm run bench -- rush`: N users due at one instant, written straight into Postgres with their occurrence armed as
 * their runs' plans arm it, and no workflow: the instant's dispatcher (started by the dispatch sweep) sends them all.
 * Measures the drain as the receiver sees it and the worker's memory and CPU through it. The users' own runs, which
 * confirm each year later (from a tenth of HAND_OVER_WINDOW after the instant, 18 minutes with the default 3 h), are
 * not part of it: `burst` measures them at 10,000.
 */
export async function runRush(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const receiver = await startBenchReceiver();
  const lane = receiver.lane('temporal');
  const neededMs = LEAD_MS + options.users * LEAD_MS_PER_USER;
  const session = await openSession(options, receiver, {
    neededMs,
    plan: (allowanceMs) => dueAfter(Date.now(), allowanceMs + neededMs),
  });
  const db = createDb(session.stack.databaseUrl);
  const warnings: string[] = [];
  try {
    const due = session.due!;
    const seedStartMs = Date.now();
    // Born on the instant's date in its zone: every one is due at the instant.
    await seedUsersWithArmedBirthdays(
      db,
      options.users,
      (index) => benchPerson(index, due.birthday, due.timezone),
      due.deliveryTime,
    );
    console.log(
      `seeded ${options.users} users due ${new Date(due.dueMs).toISOString()} in ${((Date.now() - seedStartMs) / 1000).toFixed(1)} s`,
    );
    if (Date.now() > due.dueMs - 60_000) warnings.push('seeding ended less than a minute before the instant');

    console.log(`waiting ${Math.round((due.dueMs - Date.now()) / 1000)} s for the instant`);
    await sleep(due.dueMs - Date.now() - 5_000);
    session.usage?.mark('rush');
    const drained = await waitForDrain(lane, options.users, 'drain');
    session.usage?.end('rush');
    if (!drained) warnings.push(`only ${lane.users.size} of ${options.users} users were greeted`);
    const drain = drainFigures(lane, due.dueMs);
    const delivered = await db.delivery.count({ where: { status: 'delivered', scheduledAt: new Date(due.dueMs) } });
    if (delivered !== options.users)
      warnings.push(`the ledger holds ${delivered} delivered rows for ${options.users} users`);
    const worker = session.usage?.figures('rush')[WORKER];
    const rows: Row[] = [
      {
        name: 'drain rate (instant to last greeting)',
        value: `${drain.drainRatePerSecond?.toFixed(1) ?? 'n/a'} /s (peak ${drain.peakPerSecond} /s)`,
      },
      {
        name: 'first / last greeting after the instant',
        value: `${drain.firstAfterDueMs} ms / ${((drain.lastAfterDueMs ?? 0) / 1000).toFixed(1)} s`,
      },
      {
        name: 'lateness p50 / p99 / max',
        value: `${drain.lateness.p50} / ${drain.lateness.p99} / ${drain.lateness.max} ms`,
      },
      { name: 'greeted / repeats / ledger delivered', value: `${drain.users} / ${drain.repeats} / ${delivered}` },
      ...(worker
        ? [
            {
              name: 'worker through the rush: peak RSS / CPU',
              value: `${worker.peakRssMb.toFixed(0)} MB / ${(worker.cpuMs / 1000).toFixed(1)} s`,
            },
          ]
        : []),
      ...usageRows(
        Object.fromEntries(Object.entries(session.usage?.figures('rush') ?? {}).filter(([kind]) => kind !== WORKER)),
      ),
    ];
    return {
      kind: 'rush',
      users: options.users,
      startedAt,
      stack: stackShape(options),
      settings: { dueAt: new Date(due.dueMs).toISOString(), timezone: due.timezone, deliveryTime: due.deliveryTime },
      figures: { drain, delivered, usage: session.usage?.figures('rush') ?? {} },
      sections: [{ title: `${options.users} users due at one instant, sent by its dispatcher`, rows }],
      warnings,
      plots: [],
    };
  } finally {
    await db.$disconnect();
    await session.close();
    await receiver.close();
  }
}
