import { randomUUID } from 'node:crypto';
import { benchPerson } from './api-client';
import { createUsers } from './create-phase';
import { runOpenLoop } from './load';
import { stackShape, type BenchOptions } from './options';
import { progress } from './progress';
import { startBenchReceiver } from './receiver';
import type { BenchResult } from './report';
import { openSession, type Session } from './session';
import { spreadBirthday, spreadZone } from './spread';
import { distribution, formatDistribution, formatMs, type Distribution } from './stats';

/** Users the "planned within" probe follows in the full-concurrency phase: every this many. */
const PROBE_EVERY = 100;
const PLANNED_LIMIT_MS = 5_000;

/** How long after their 201 users could be asked for their next delivery, for the sample probed. */
export interface PlannedWithin {
  probed: number;
  within: Distribution;
  notWithin5s: number;
  never: number;
}

/** Follows users as they are created: each one sampled is polled until its next delivery answers 200. */
export class PlanProbe {
  private readonly probes: Promise<number | null>[] = [];

  constructor(private readonly session: Session) {}

  follow(user: { id: string; createdAtMs: number }): void {
    this.probes.push(this.session.api.plannedWithin(user.id, user.createdAtMs));
  }

  async figures(): Promise<PlannedWithin> {
    const results = await Promise.all(this.probes);
    const planned = results.filter((ms): ms is number => ms !== null);
    return {
      probed: results.length,
      within: distribution(planned),
      notWithin5s: results.filter((ms) => ms === null || ms > PLANNED_LIMIT_MS).length,
      never: results.length - planned.length,
    };
  }
}

/** Polls visibility until `expected` runs are running with a plan; answers when, or null after `timeoutMs`. */
async function untilRunsStarted(session: Session, expected: number, timeoutMs = 600_000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await session.temporal.runningPlanned()) >= expected) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

export function plannedRow(name: string, planned: PlannedWithin) {
  return {
    name,
    value:
      `${planned.probed} probed: p50 ${formatMs(planned.within.p50)} · p99 ${formatMs(planned.within.p99)} · ` +
      `max ${formatMs(planned.within.max)} · ${planned.notWithin5s} not within 5 s (${planned.never} never)`,
  };
}

export async function runCreate(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const shape = stackShape(options);
  const receiver = await startBenchReceiver();
  const session = await openSession(options, receiver, undefined);
  try {
    const bodyFor = (index: number) => benchPerson(index, spreadBirthday(index), spreadZone(index));
    const burstProbe = new PlanProbe(session);
    console.log(`creating ${options.users} users at full concurrency (${options.concurrency} in flight)`);
    const burst = await createUsers(session.api, options.users, options.concurrency, bodyFor, (user) => {
      if (user.index % PROBE_EVERY === 0) burstProbe.follow(user);
    });
    const burstPlanned = await burstProbe.figures();
    // A create answers once its row is saved and armed; the API starts its run after the answer.
    const allStartedAtMs = await untilRunsStarted(session, burst.users.length);
    const runsStarted = {
      afterLastAnswerMs: allStartedAtMs === null ? null : allStartedAtMs - (burst.startedAtMs + burst.durationMs),
      ratePerSecond:
        allStartedAtMs === null ? null : burst.users.length / ((allStartedAtMs - burst.startedAtMs) / 1000),
    };

    console.log(`steady phase: ${options.rate} creates/s for ${options.steadySeconds} s (open loop)`);
    const steadyProbe = new PlanProbe(session);
    const steadyLatencies: number[] = [];
    const steadyStatuses: Record<string, number> = {};
    const total = options.rate * options.steadySeconds;
    const bar = progress('steady', total);
    await runOpenLoop(options.rate, options.steadySeconds * 1000, async (index) => {
      const answer = await session.api.createUser(bodyFor(options.users + index), randomUUID());
      steadyLatencies.push(answer.latencyMs);
      steadyStatuses[answer.status] = (steadyStatuses[answer.status] ?? 0) + 1;
      bar.update(steadyLatencies.length);
      if (answer.status === 201 && answer.body)
        steadyProbe.follow({ id: answer.body.id, createdAtMs: answer.answeredAtMs });
    });
    bar.stop();
    const steadyPlanned = await steadyProbe.figures();
    const steady = {
      rate: options.rate,
      seconds: options.steadySeconds,
      statuses: steadyStatuses,
      latency: distribution(steadyLatencies),
    };

    const warnings: string[] = [];
    const failed = burst.requests - burst.users.length + steadyLatencies.length - (steadyStatuses['201'] ?? 0);
    if (failed > 0)
      warnings.push(
        `${failed} creates did not answer 201: ${JSON.stringify({ burst: burst.statuses, steady: steadyStatuses })}`,
      );
    return {
      kind: 'create',
      users: options.users,
      startedAt,
      stack: shape,
      settings: {
        users: options.users,
        concurrency: options.concurrency,
        rate: options.rate,
        steadySeconds: options.steadySeconds,
        ...shape,
      },
      figures: { burst, burstPlanned, runsStarted, steady, steadyPlanned, usage: session.usage?.figures() },
      warnings,
      plots: [],
      sections: [
        {
          title: `Create at full concurrency (${options.concurrency} in flight)`,
          rows: [
            {
              name: 'requests',
              value: `${burst.requests} in ${(burst.durationMs / 1000).toFixed(1)} s, answers ${JSON.stringify(burst.statuses)}`,
            },
            { name: 'rate', value: `${burst.ratePerSecond.toFixed(1)} users/s` },
            { name: 'latency', value: formatDistribution(burst.latency) },
            plannedRow(`planned within (every ${PROBE_EVERY}th user)`, burstPlanned),
            {
              name: 'every run started (visibility)',
              value:
                runsStarted.afterLastAnswerMs === null
                  ? 'not within 10 minutes'
                  : `${formatMs(runsStarted.afterLastAnswerMs)} after the last 201 ` +
                    `(${runsStarted.ratePerSecond!.toFixed(1)} runs/s from the first create)`,
            },
          ],
        },
        {
          title: `Steady create at ${options.rate}/s for ${options.steadySeconds} s (open loop)`,
          rows: [
            { name: 'answers', value: JSON.stringify(steadyStatuses) },
            { name: 'latency', value: formatDistribution(steady.latency) },
            plannedRow('planned within (every user)', steadyPlanned),
          ],
        },
      ],
    };
  } finally {
    await session.close();
    await receiver.close();
  }
}
