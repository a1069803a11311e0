import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { ApiClient } from '../bench/api-client';
import { createUsers } from '../bench/create-phase';
import { sleep } from '../bench/stats';
import { zoneWithLocalHour } from '../test/support/fixtures';
import { startChaosStack, type ChaosStack } from './chaos-stack';
import { planFaults, seededRandom, type FaultCounts, type FaultKind } from './fault-plan';
import { startFaultyReceiver, type ReceivedPost, type ReceiverFaultMix } from './faulty-receiver';
import { ledgerRows, type LedgerRow } from './ledger-rows';
import { judge, type ChaosVerdict } from './verdict';

export interface ChaosOptions {
  users: number;
  workers: number;
  faults: FaultCounts;
  /** Faults fall at random moments from 5 s before the due instant until this long after it. */
  faultWindowMs: number;
  receiverMix: ReceiverFaultMix;
  maxFailuresPerKey?: number;
  /** The workers' WEBHOOK_TIMEOUT_MS; a hanging receiver holds an answer 2 s longer. */
  webhookTimeoutMs: number;
  seed: number;
  /** How long after the last fault every due user may take to have a settled ledger row. */
  settleTimeoutMs: number;
  keepData: boolean;
  log: (line: string) => void;
}

/** One fault as it was injected. */
export interface InjectedFault {
  kind: FaultKind;
  atMs: number;
  /** How long the part was gone (stop to serving again). */
  outageMs: number;
  detail: string;
}

export interface ChaosRun {
  options: Omit<ChaosOptions, 'log'>;
  startedAtMs: number;
  timezone: string;
  deliveryTime: string;
  dueMs: number;
  occurrenceYear: number;
  userIds: string[];
  faults: InjectedFault[];
  posts: ReceivedPost[];
  ledger: LedgerRow[];
  /** When every due user's row had settled (null: it did not within the settle timeout). */
  settledAtMs: number | null;
  verdict: ChaosVerdict;
}

const BIRTH_YEAR = 1990;

/**
 * The chaos run: users due at one instant, delivered while workers are killed, Temporal and Postgres restart and the
 * receiver fails in every way it can; then the ledger and the receiver's record are compared.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const { log } = options;
  const startedAtMs = Date.now();
  const faultRandom = seededRandom(options.seed);
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = await startFaultyReceiver({
    secrets: [webhookSecret],
    mix: options.receiverMix,
    hangMs: options.webhookTimeoutMs + 2_000,
    retryAfterSeconds: 2,
    random: seededRandom(options.seed + 1),
    maxFailuresPerKey: options.maxFailuresPerKey,
  });
  let stack: ChaosStack | undefined;
  try {
    log('starting Postgres, the Temporal dev server and the API');
    stack = await startChaosStack({
      webhookUrl: receiver.url,
      webhookSecret,
      apiKey: `chaos_${randomBytes(18).toString('base64url')}`,
      webhookTimeoutMs: options.webhookTimeoutMs,
    });

    // A zone where it is about noon: the due instant, minutes away, falls on today's local date there. Due once the
    // services have started and every user is created (about 15 ms each), with time to spare.
    const timezone = zoneWithLocalHour(Date.now(), 12);
    const today = DateTime.now().setZone(timezone);
    const dueMs = Math.ceil((Date.now() + 45_000 + options.users * 15) / 1000) * 1000;
    const due = DateTime.fromMillis(dueMs, { zone: timezone });
    if (due.toISODate() !== today.toISODate()) throw new Error('the due instant fell on another local date: run again');
    const deliveryTime = due.toFormat('HH:mm:ss');
    log(`starting the API and ${options.workers} workers with DELIVERY_TIME ${deliveryTime}: due at ${due.toISO()}`);
    await stack.startServices(options.workers, deliveryTime);

    const birthday = today.set({ year: BIRTH_YEAR }).toISODate()!;
    log(`creating ${options.users} users born on ${birthday} in ${timezone} through the API`);
    const created = await createUsers(new ApiClient(stack.apiUrl, stack.apiKey), options.users, 32, (index) => ({
      firstName: 'Chaos',
      lastName: `User ${index}`,
      birthday,
      timezone,
    }));
    if (created.users.length !== options.users) {
      throw new Error(
        `only ${created.users.length} of ${options.users} users were created: ${created.errorSamples.join('; ')}`,
      );
    }
    if (Date.now() > dueMs - 5_000) throw new Error('creating the users took until the due instant: run again');
    const userIds = created.users.map((user) => user.id);

    const planned = planFaults(options.faults, dueMs - 5_000, dueMs + options.faultWindowMs, faultRandom);
    const faults: InjectedFault[] = [];
    for (const fault of planned) {
      await sleep(fault.atMs - Date.now());
      const injected = await inject(stack, fault.kind, faultRandom, options.workers);
      faults.push(injected);
      log(`${formatOffset(injected.atMs - dueMs)} ${injected.kind}: ${injected.detail}`);
    }

    log('faults done; waiting for every due user to settle');
    const settledAtMs = await untilSettled(stack.databaseUrl, userIds, due.year, options.settleTimeoutMs);
    // Late repeats (an attempt cut off mid-call retried) still arrive for a moment: give them time to show.
    await sleep(options.webhookTimeoutMs + 3_000);
    const ledger = await ledgerRows(stack.databaseUrl, userIds, due.year);
    const posts = [...receiver.posts];
    const verdict = judge({ userIds, occurrenceYear: due.year, dueMs, ledger, posts, faults, wanted: options.faults });
    const { log: _log, ...recorded } = options;
    return {
      options: recorded,
      startedAtMs,
      timezone,
      deliveryTime,
      dueMs,
      occurrenceYear: due.year,
      userIds,
      faults,
      posts,
      ledger,
      settledAtMs,
      verdict,
    };
  } finally {
    await stack?.stop({ keepData: options.keepData });
    await receiver.close();
  }
}

async function inject(
  stack: ChaosStack,
  kind: FaultKind,
  random: () => number,
  workers: number,
): Promise<InjectedFault> {
  const atMs = Date.now();
  const downMs = 1_000 + Math.round(random() * 3_000);
  let detail: string;
  switch (kind) {
    case 'kill-worker': {
      const index = Math.floor(random() * workers);
      const { pid, newPid } = await stack.killWorker(index, downMs);
      detail = `kill -9 worker ${index + 1} (pid ${pid}); pid ${newPid} started ${downMs} ms later`;
      break;
    }
    case 'restart-temporal':
      await stack.restartTemporal(downMs);
      detail = `kill -9 of the Temporal dev server; started again after ${downMs} ms`;
      break;
    case 'restart-postgres':
      await stack.restartPostgres(downMs);
      detail = `Postgres stopped (fast: connections cut); started again after ${downMs} ms`;
      break;
  }
  return { kind, atMs, outageMs: Date.now() - atMs, detail };
}

/** Polls the ledger until every user has a row in a final state; null when the timeout passes first. */
async function untilSettled(
  databaseUrl: string,
  userIds: string[],
  year: number,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  const final = new Set(['delivered', 'failed', 'missed', 'cancelled', 'skipped']);
  while (Date.now() < deadline) {
    const rows = await ledgerRows(databaseUrl, userIds, year).catch(() => []);
    if (rows.length === userIds.length && rows.every((row) => final.has(row.status))) return Date.now();
    await sleep(2_000);
  }
  return null;
}

function formatOffset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(1)} s`;
}
