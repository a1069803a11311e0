import { randomUUID } from 'node:crypto';
import { benchPerson, type ApiClient } from './api-client';
import { createEstimateMs } from './burst';
import { createUsers } from './create-phase';
import { waitForDrain } from './drain';
import { dueAfter } from './due-instant';
import { runOpenLoop, type CallResult } from './load';
import { stackShape, type BenchOptions } from './options';
import { progress } from './progress';
import { startBenchReceiver, type Lane } from './receiver';
import type { BenchResult, Section } from './report';
import { openSession } from './session';
import { spreadBirthday, spreadZone } from './spread';
import { distribution, formatDistribution, sleep, type Distribution } from './stats';

export type Operation = 'create' | 'read' | 'list';

/**
 * The mix at the fixed total rate, one slot per request in turn: a fifth creates (POST /users), two fifths read one
 * user (GET /users/:id), two fifths list a page (GET /users?limit=50). Creates stay below what 2 cores plan a second
 * (30–45), so admission control has no reason to refuse them outside a rush.
 */
const MIX: readonly Operation[] = ['create', 'read', 'list', 'read', 'list'];
const LIST_LIMIT = 50;
/** The rush phase's load starts this long before the due instant, so it spans the rush from its first greeting. */
const LEAD_BEFORE_DUE_MS = 2_000;

/** How one operation fared in a phase. 429 is counted apart: a documented answer with Retry-After, not an error. */
export interface OperationFigures {
  requests: number;
  statuses: Record<string, number>;
  /** Answers other than 2xx and 429, and requests that got no answer at all. */
  errors: number;
  errorSamples: string[];
  /** Every answer, 2xx or not. */
  latency: Distribution;
}

export interface LoadPhase {
  label: string;
  rate: number;
  seconds: number;
  operations: Record<Operation, OperationFigures>;
  /** Greetings the receiver got while the phase ran. */
  greetingsDuring: number;
}

class OperationTally {
  private readonly latencies: number[] = [];
  private readonly statuses: Record<string, number> = {};
  private errors = 0;
  private readonly errorSamples: string[] = [];

  record(answer: CallResult<unknown>): void {
    this.latencies.push(answer.latencyMs);
    this.statuses[answer.status] = (this.statuses[answer.status] ?? 0) + 1;
    const ok = answer.status >= 200 && answer.status < 300;
    if (ok || answer.status === 429) return;
    this.errors++;
    if (this.errorSamples.length < 5)
      this.errorSamples.push(`${answer.status}: ${answer.error ?? JSON.stringify(answer.body)}`);
  }

  figures(): OperationFigures {
    return {
      requests: this.latencies.length,
      statuses: this.statuses,
      errors: this.errors,
      errorSamples: this.errorSamples,
      latency: distribution(this.latencies),
    };
  }
}

/** Runs the mix at `rate` requests a second (open loop) for `seconds`; reads pick any user created so far. */
async function driveMix(
  api: ApiClient,
  userIds: string[],
  greetings: Lane,
  phase: { label: string; rate: number; seconds: number; firstIndex: number },
): Promise<LoadPhase> {
  const tallies = { create: new OperationTally(), read: new OperationTally(), list: new OperationTally() };
  const total = phase.rate * phase.seconds;
  const bar = progress(phase.label, total);
  let done = 0;
  const startedAtMs = Date.now();
  await runOpenLoop(phase.rate, phase.seconds * 1000, async (index) => {
    const operation = MIX[index % MIX.length]!;
    let answer: CallResult<unknown>;
    if (operation === 'create') {
      const person = benchPerson(phase.firstIndex + index, spreadBirthday(index), spreadZone(index));
      const created = await api.createUser(person, randomUUID());
      if (created.status === 201 && created.body) userIds.push(created.body.id);
      answer = created;
    } else if (operation === 'read') {
      answer = await api.getUser(userIds[Math.floor(Math.random() * userIds.length)]!);
    } else {
      answer = await api.listUsers(LIST_LIMIT);
    }
    tallies[operation].record(answer);
    bar.update(++done);
  });
  bar.stop();
  const endedAtMs = Date.now();
  return {
    label: phase.label,
    rate: phase.rate,
    seconds: phase.seconds,
    operations: {
      create: tallies.create.figures(),
      read: tallies.read.figures(),
      list: tallies.list.figures(),
    },
    greetingsDuring: greetings.receivedAtMs.filter((at) => at >= startedAtMs && at <= endedAtMs).length,
  };
}

function phaseSection(phase: LoadPhase, title: string, note?: string): Section {
  return {
    title,
    rows: (Object.entries(phase.operations) as [Operation, OperationFigures][]).map(([operation, figures]) => ({
      name: operation,
      value:
        `${figures.requests} requests, ${figures.errors} errors, answers ${JSON.stringify(figures.statuses)}: ` +
        formatDistribution(figures.latency),
    })),
    note,
  };
}

/**
 * `npm run bench -- load`: the API under a fixed request rate on loopback, create, read and list mixed. Seeds
 * `--users` users, runs the mix for `--seconds`; with `--rush-users N`, then makes N users due at one instant and
 * runs the same mix again while the worker delivers them, to show the API stays responsive in a rush.
 */
export async function runLoad(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const shape = stackShape(options);
  const receiver = await startBenchReceiver();
  const greetings = receiver.lane('temporal');
  const rushUsers = options.rushUsers;
  // Seeds, the first phase's creates and the rush's users are all made before the due instant.
  const neededMs =
    createEstimateMs(options.users) + options.seconds * 1000 + (rushUsers > 0 ? createEstimateMs(rushUsers * 1.5) : 0);
  const session = await openSession(
    options,
    receiver,
    rushUsers > 0 ? { neededMs, plan: (allowanceMs) => dueAfter(Date.now(), allowanceMs + neededMs) } : undefined,
  );
  const warnings: string[] = [];
  try {
    console.log(`seeding ${options.users} users`);
    const seeded = await createUsers(session.api, options.users, options.concurrency, (index) =>
      benchPerson(index, spreadBirthday(index), spreadZone(index)),
    );
    const userIds = seeded.users.map((user) => user.id);
    if (userIds.length < options.users) warnings.push(`seeding: ${JSON.stringify(seeded.statuses)}`);

    console.log(`load: ${options.rate} requests/s (create, read, list) for ${options.seconds} s`);
    const phases: LoadPhase[] = [];
    phases.push(
      await driveMix(session.api, userIds, greetings, {
        label: 'steady',
        rate: options.rate,
        seconds: options.seconds,
        firstIndex: 1_000_000,
      }),
    );

    let rush: { users: number; dueAt: string; greeted: number; repeats: number } | undefined;
    if (rushUsers > 0) {
      const due = session.due!;
      console.log(`creating ${rushUsers} users all due at ${new Date(due.dueMs).toISOString()}`);
      const created = await createUsers(session.api, rushUsers, options.concurrency, (index) =>
        benchPerson(2_000_000 + index, due.birthday, due.timezone),
      );
      if (created.endedAtMs > due.dueMs)
        warnings.push(`the rush's users were created ${created.endedAtMs - due.dueMs} ms after their due instant`);
      await sleep(due.dueMs - LEAD_BEFORE_DUE_MS - Date.now());
      session.usage?.mark('rush');
      console.log(`load during the rush: ${options.rate} requests/s for ${options.seconds} s`);
      phases.push(
        await driveMix(session.api, userIds, greetings, {
          label: 'rush',
          rate: options.rate,
          seconds: options.seconds,
          firstIndex: 3_000_000,
        }),
      );
      const drained = await waitForDrain(greetings, created.users.length, 'drain');
      session.usage?.end('rush');
      const greeted = created.users.filter((user) => greetings.users.has(user.id)).length;
      if (!drained) warnings.push(`only ${greeted} of ${created.users.length} rush users were greeted`);
      // The same Idempotency-Key twice at the receiver: a greeting sent more than once.
      if (greetings.repeats > 0) warnings.push(`${greetings.repeats} greetings reached the receiver twice`);
      rush = {
        users: created.users.length,
        dueAt: new Date(due.dueMs).toISOString(),
        greeted,
        repeats: greetings.repeats,
      };
    }

    for (const phase of phases) {
      for (const [operation, figures] of Object.entries(phase.operations)) {
        if (figures.errors > 0)
          warnings.push(`${phase.label}: ${figures.errors} ${operation} errors: ${figures.errorSamples.join('; ')}`);
      }
    }
    const [steady, duringRush] = phases;
    const sections = [
      phaseSection(
        steady!,
        `${options.rate} requests/s for ${options.seconds} s: latency per operation`,
        'Latency from sending the request until the whole answer is read, on loopback; the load generator runs on ' +
          'the same 2 cores as the stack.',
      ),
    ];
    if (duringRush && rush) {
      sections.push(
        phaseSection(
          duringRush,
          `The same load while ${rush.users} users are greeted (all due ${rush.dueAt})`,
          `${duringRush.greetingsDuring} greetings went out while this load ran; ${rush.greeted} of ${rush.users} ` +
            `in all, ${rush.repeats} repeated.`,
        ),
      );
    }
    return {
      kind: 'load',
      users: options.users,
      startedAt,
      stack: shape,
      settings: {
        users: options.users,
        rate: options.rate,
        seconds: options.seconds,
        rushUsers,
        mix: MIX,
        listLimit: LIST_LIMIT,
        ...shape,
      },
      figures: { phases, rush, usage: session.usage?.figures(), rushUsage: session.usage?.figures('rush') },
      warnings,
      plots: [],
      sections,
    };
  } finally {
    await session.close();
    await receiver.close();
  }
}
