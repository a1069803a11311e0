import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { benchPerson } from './api-client';
import { describePgBossTuning, runPgBossBaseline, type PgBossFigures } from './baselines/pg-boss';
import { runPollerBaseline, type PollerFigures } from './baselines/poller';
import { createUsers, type CreatePhase } from './create-phase';
import { drainFigures, waitForDrain, type DrainFigures } from './drain';
import { dueAfter, dueAtFixedTime } from './due-instant';
import { checkLedger } from './ledger';
import { stackShape, type BenchOptions } from './options';
import { COLORS, histogram, writeChartPng, type Series } from './plots';
import { progress } from './progress';
import type { UsageByKind } from './process-usage';
import { startBenchReceiver } from './receiver';
import { baseName, usageRows, type BenchResult, type Row, type Section } from './report';
import { openSession, type Session } from './session';
import { formatDistribution, formatMs, ratio, sleep, type Distribution } from './stats';

/**
 * Pessimistic: 35 creates a second (two cores made 40–45 with npm start's admission control, which holds creates to
 * the pace the worker plans them), plus a margin: the users must all exist before they are due.
 */
export function createEstimateMs(users: number): number {
  return Math.ceil((users / 35) * 1000) + 15_000;
}

interface SettleFigures {
  settled: boolean;
  /** From the last delivery until every run was asleep with next year planned. */
  afterLastDeliveryMs: number | null;
  /** From the due instant until then: the target is HAND_OVER_WINDOW (each run's confirm point) plus a minute. */
  afterDueMs: number | null;
  expected: number;
  lastCount: number;
  waitedMs: number;
}

/**
 * Polls visibility each second until every bench user's run is running again with a plan after the due instant
 * (next year's), bounded.
 */
async function waitUntilSettled(
  session: Session,
  dueMs: number,
  expected: number,
  lastDeliveryMs: number,
  timeoutMs: number,
): Promise<SettleFigures> {
  const bar = progress('settle', expected);
  const started = Date.now();
  let count = 0;
  try {
    for (;;) {
      count = await session.temporal.runningPlannedAfter(dueMs).catch(() => count);
      bar.update(Math.min(count, expected));
      if (count >= expected) {
        return {
          settled: true,
          afterLastDeliveryMs: Date.now() - lastDeliveryMs,
          afterDueMs: Date.now() - dueMs,
          expected,
          lastCount: count,
          waitedMs: Date.now() - started,
        };
      }
      if (Date.now() - started > timeoutMs) {
        return {
          settled: false,
          afterLastDeliveryMs: null,
          afterDueMs: null,
          expected,
          lastCount: count,
          waitedMs: Date.now() - started,
        };
      }
      await sleep(1000);
    }
  } finally {
    bar.stop();
  }
}

interface RushProbe {
  status: number;
  /** From its 201 until GET /users/:id/next-delivery answered 200; null if it never did within the bound. */
  plannedWithinMs: number | null;
}

/** A user created while the burst drains (birthday tomorrow): how long until the API can tell its next delivery. */
async function probeDuringRush(session: Session, birthday: string, timezone: string): Promise<RushProbe> {
  const created = await session.api.createUser(benchPerson(-1, birthday, timezone), randomUUID());
  if (created.status !== 201 || !created.body) return { status: created.status, plannedWithinMs: null };
  return { status: 201, plannedWithinMs: await session.api.plannedWithin(created.body.id, created.answeredAtMs) };
}

const fixed = (value: number | null, digits = 1) => (value == null ? 'n/a' : value.toFixed(digits));

function compared(
  value: number | null,
  format: (n: number | null) => string,
  baselines: Record<string, number | null | undefined>,
): Row['baselines'] {
  const result: NonNullable<Row['baselines']> = {};
  for (const [name, baseline] of Object.entries(baselines)) {
    if (baseline === undefined) continue;
    result[name] = { value: format(baseline), ratio: fixed(ratio(value, baseline), 2) };
  }
  return result;
}

function latencyRows(label: string, temporal: Distribution, pgBoss?: Distribution, poller?: Distribution): Row[] {
  return (['p50', 'p95', 'p99', 'max'] as const).map((key) => ({
    name: `${label} ${key}`,
    value: formatMs(temporal[key]),
    baselines: compared(temporal[key], formatMs, { 'pg-boss': pgBoss?.[key], 'poller (computed)': poller?.[key] }),
  }));
}

export async function runBurst(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const shape = stackShape(options);
  const receiver = await startBenchReceiver();
  const lane = receiver.lane('temporal');
  const neededMs = createEstimateMs(options.users);
  const session = await openSession(options, receiver, {
    neededMs,
    plan: (allowanceMs) =>
      options.api
        ? dueAtFixedTime(Date.now(), options.deliveryTime, neededMs)
        : dueAfter(Date.now(), allowanceMs + neededMs),
  });
  const warnings: string[] = [];
  try {
    const due = session.due!;
    const before = await session.temporal.runningPlannedAfter(due.dueMs);
    if (options.api && due.dueMs - Date.now() > neededMs + 5_000) {
      console.log(
        `waiting ${Math.round((due.dueMs - neededMs - Date.now()) / 1000)} s for ${options.deliveryTime} in ${due.timezone} to come near`,
      );
      await sleep(due.dueMs - neededMs - Date.now());
    }

    console.log(
      `creating ${options.users} users (concurrency ${options.concurrency}), all due at ${new Date(due.dueMs).toISOString()}`,
    );
    const create: CreatePhase = await createUsers(session.api, options.users, options.concurrency, (index) =>
      benchPerson(index, due.birthday, due.timezone),
    );
    if (create.endedAtMs > due.dueMs) {
      warnings.push(
        `creation ended ${((create.endedAtMs - due.dueMs) / 1000).toFixed(1)} s after the due instant: users created ` +
          'after it wait a year, and the drain figures are not valid',
      );
    }
    if (create.users.length < options.users) {
      warnings.push(
        `${options.users - create.users.length} of ${options.users} creates failed: ${JSON.stringify(create.statuses)}`,
      );
    }

    console.log(`waiting ${Math.max(0, Math.round((due.dueMs - Date.now()) / 1000))} s for the due instant`);
    await sleep(due.dueMs - Date.now());
    session.usage?.mark('rush');
    let probe: Promise<RushProbe> | undefined;
    const startProbe = setInterval(() => {
      if (probe || lane.receivedAtMs.length === 0) return;
      probe = probeDuringRush(session, due.birthdayTomorrow, due.timezone);
    }, 50);
    const drained = await waitForDrain(lane, create.users.length, 'drain');
    clearInterval(startProbe);
    probe ??= probeDuringRush(session, due.birthdayTomorrow, due.timezone);
    const rushProbe = await probe;
    if (!drained)
      warnings.push(`only ${lane.users.size} of ${create.users.length} users were greeted (no new delivery for 60 s)`);
    const drain: DrainFigures = drainFigures(lane, due.dueMs);
    const lastDeliveryMs = due.dueMs + (drain.lastAfterDueMs ?? 0);

    const expected = before + create.users.length + (rushProbe.status === 201 ? 1 : 0);
    // Each user's run confirms its year at its point of HAND_OVER_WINDOW after the instant: the target is the window
    // plus a minute, and the wait allows a little more so a miss is measured, not cut off.
    const confirmWindowMs = loadConfig().HAND_OVER_WINDOW;
    const settle = await waitUntilSettled(session, due.dueMs, expected, lastDeliveryMs, confirmWindowMs + 120_000);
    session.usage?.end('rush');
    if (!settle.settled) {
      warnings.push(
        `not settled after ${Math.round(settle.waitedMs / 1000)} s: ${settle.lastCount - before} of ${expected - before} runs asleep with next year planned`,
      );
    }
    const checkNow = () =>
      checkLedger(
        session.stack.databaseUrl,
        create.users.map((user) => user.id),
        new Date(due.dueMs).getUTCFullYear(),
      );
    const ledger = await checkNow();
    if (!ledger.exactlyOnce) {
      // Tell a row still being recorded (a lagging attempt) from one that stays wrong: look again a little later.
      await sleep(10_000);
      warnings.push(`ledger check failed: ${JSON.stringify(ledger)}; 10 s later: ${JSON.stringify(await checkNow())}`);
    }
    if (drain.repeats > 0)
      warnings.push(`${drain.repeats} repeated deliveries (same Idempotency-Key) reached the receiver`);

    let pgBoss: PgBossFigures | undefined;
    let poller: PollerFigures | undefined;
    if (options.baseline) {
      console.log('baseline: pg-boss');
      pgBoss = await runPgBossBaseline({ databaseUrl: session.stack.databaseUrl, users: create.users, receiver });
      if (pgBoss.insertedLate) warnings.push('pg-boss: inserting the jobs ran past their due instant');
      console.log('baseline: naive poller (2 real polls)');
      poller = await runPollerBaseline({ databaseUrl: session.stack.databaseUrl, users: create.users, receiver });
    }

    const wholeUsage = session.usage?.figures() ?? {};
    const rushUsage = session.usage?.figures('rush') ?? {};
    const result: BenchResult = {
      kind: 'burst',
      users: options.users,
      startedAt,
      stack: shape,
      settings: {
        users: options.users,
        concurrency: options.concurrency,
        ...shape,
        deliveryTime: due.deliveryTime,
        timezone: due.timezone,
        dueAt: new Date(due.dueMs).toISOString(),
        stackStartupMs: session.stack.startupMs,
        baseline: options.baseline,
      },
      figures: {
        create,
        drain,
        settle,
        rushProbe,
        ledger,
        usage: { whole: wholeUsage, rush: rushUsage },
        pgBoss,
        poller,
      },
      sections: [],
      warnings,
      plots: [],
    };
    result.sections = burstSections(result, {
      create,
      drain,
      settle,
      rushProbe,
      ledger,
      wholeUsage,
      rushUsage,
      pgBoss,
      poller,
    });
    result.plots = await burstPlots(
      options.out,
      result,
      drain,
      { temporal: lane.latenessMs, pgBoss: pgBoss ? receiver.lane('pg-boss').latenessMs : undefined },
      pgBoss,
    );
    return result;
  } finally {
    await session.close();
    await receiver.close();
  }
}

function burstSections(
  result: BenchResult,
  f: {
    create: CreatePhase;
    drain: DrainFigures;
    settle: SettleFigures;
    rushProbe: RushProbe;
    ledger: Awaited<ReturnType<typeof checkLedger>>;
    wholeUsage: UsageByKind;
    rushUsage: UsageByKind;
    pgBoss?: PgBossFigures;
    poller?: PollerFigures;
  },
): Section[] {
  const { create, drain, settle, pgBoss, poller } = f;
  const sections: Section[] = [
    {
      title: `Create (POST /users, ${String(result.settings.concurrency)} in flight)`,
      rows: [
        {
          name: 'requests',
          value: `${create.requests} in ${(create.durationMs / 1000).toFixed(1)} s, answers ${JSON.stringify(create.statuses)}`,
        },
        { name: 'rate', value: `${create.ratePerSecond.toFixed(1)} users/s` },
        { name: 'latency', value: formatDistribution(create.latency) },
      ],
    },
    {
      title: 'Burst: every user due at one instant',
      rows: [
        { name: 'delivered', value: `${drain.deliveries} POSTs to ${drain.users} users, ${drain.repeats} repeats` },
        {
          name: 'sent by',
          value:
            Object.entries(drain.bySender)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([sender, posts]) => `${sender}: ${posts}`)
              .join(' · ') || 'n/a (attached stack)',
        },
        {
          name: 'drain rate',
          value: `${fixed(drain.drainRatePerSecond)} /s`,
          baselines: compared(drain.drainRatePerSecond, (n) => `${fixed(n)} /s`, {
            'pg-boss': pgBoss?.drainRatePerSecond,
            'poller (computed)': poller?.impliedDrainRatePerSecond,
          }),
        },
        {
          name: 'peak',
          value: `${drain.peakPerSecond} /s`,
          baselines: compared(drain.peakPerSecond, (n) => `${fixed(n, 0)} /s`, { 'pg-boss': pgBoss?.peakPerSecond }),
        },
        {
          name: 'first / last delivery after due',
          value: `${formatMs(drain.firstAfterDueMs)} / ${formatMs(drain.lastAfterDueMs)}`,
        },
        ...latencyRows('lateness', drain.lateness, pgBoss?.lateness, poller?.impliedLateness),
        {
          name: 'ledger',
          value: `${f.ledger.deliveredOnce}/${f.ledger.users} delivered exactly once, rows ${JSON.stringify(f.ledger.rowsByStatus)}`,
          baselines: pgBoss
            ? { 'pg-boss': { value: `${pgBoss.ledgerRows} rows, ${pgBoss.repeats} repeats`, ratio: 'n/a' } }
            : undefined,
        },
        {
          name: 'settled',
          value: settle.settled
            ? `${formatMs(settle.afterDueMs)} after the instant, ${formatMs(settle.afterLastDeliveryMs)} after the last delivery`
            : `not settled after ${formatMs(settle.waitedMs)} (${settle.lastCount}/${settle.expected} runs)`,
        },
        {
          name: 'created during the rush',
          value:
            f.rushProbe.status !== 201
              ? `create answered ${f.rushProbe.status}`
              : f.rushProbe.plannedWithinMs === null
                ? 'not planned within 60 s of its 201'
                : `planned within ${formatMs(f.rushProbe.plannedWithinMs)} of its 201`,
        },
      ],
      note:
        [
          pgBoss ? `pg-boss tuning: ${describePgBossTuning(pgBoss.tuning)}.` : undefined,
          poller
            ? `poller (computed): one poll a minute of ${poller.rowsPerPoll} rows, from ${poller.realPolls} real polls ` +
              `(${poller.pollMs.map((ms) => formatMs(ms)).join(', ')}); its drain rate and lateness for ${result.users} users follow ` +
              'from that fixed rate (every poll on time), they are not measured. Ratio = this service / baseline.'
            : undefined,
        ]
          .filter((part) => part !== undefined)
          .join(' ') || undefined,
    },
    {
      title: 'CPU and memory in the rush (due instant until settled)',
      rows: usageRows(f.rushUsage, { count: drain.deliveries, unit: 'delivery' }),
    },
    {
      title: 'CPU and memory over the whole run',
      rows: usageRows(f.wholeUsage, { count: drain.deliveries, unit: 'delivery' }),
    },
  ];
  return sections;
}

/** The PNGs of a burst: deliveries per second after the due instant, and a lateness histogram. */
async function burstPlots(
  outDir: string,
  result: BenchResult,
  drain: DrainFigures,
  latenessMs: { temporal: number[]; pgBoss?: number[] },
  pgBoss?: PgBossFigures,
): Promise<BenchResult['plots']> {
  await mkdir(outDir, { recursive: true });
  const base = baseName(result);
  const seconds = Math.max(drain.perSecond.length, pgBoss?.perSecond.length ?? 0);
  const pad = (values: number[]) => [...values, ...new Array<number>(seconds - values.length).fill(0)];
  const rateSeries: Series[] = [{ name: 'yearly-greetings', color: COLORS.temporal, values: pad(drain.perSecond) }];
  if (pgBoss) rateSeries.push({ name: 'pg-boss', color: COLORS.pgBoss, values: pad(pgBoss.perSecond) });
  const rateFile = `${base}-deliveries-per-second.png`;
  await writeChartPng(
    {
      title: `Deliveries per second, ${result.users} users due at one instant`,
      xTitle: 'seconds after the due instant',
      yTitle: 'deliveries per second',
      categories: Array.from({ length: seconds }, (_, index) => String(index)),
      series: rateSeries,
      style: seconds > 60 ? 'lines' : 'bars',
    },
    path.join(outDir, rateFile),
  );

  const samples = [latenessMs.temporal, ...(latenessMs.pgBoss ? [latenessMs.pgBoss] : [])];
  const bins = histogram(samples);
  const latenessFile = `${base}-lateness.png`;
  await writeChartPng(
    {
      title: `Lateness (receive time - scheduledAt), ${result.users} users`,
      xTitle: 'lateness, from (bin start)',
      yTitle: 'deliveries',
      categories: bins.edges.map((edge) => formatMs(edge)),
      series: bins.counts.map((values, index) => ({
        name: index === 0 ? 'yearly-greetings' : 'pg-boss',
        color: index === 0 ? COLORS.temporal : COLORS.pgBoss,
        values,
      })),
      style: 'bars',
    },
    path.join(outDir, latenessFile),
  );
  return [
    { file: rateFile, title: 'Deliveries per second after the due instant' },
    { file: latenessFile, title: 'Lateness histogram' },
  ];
}
