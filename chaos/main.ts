import { randomInt } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isExit, parseOrExplain, stopOnInterrupt } from '../bench/command-line';
import { REPO_ROOT } from '../bench/stack';
import { formatDistribution } from '../bench/stats';
import { stopChaosStacks } from './chaos-stack';
import { writeChaosResult } from './report';
import { runChaos, type ChaosOptions } from './run-chaos';

const USAGE = `npm run chaos -- [options]
  --users N              users due at one instant (default 2000)
  --workers N            worker processes (default 2)
  --worker-kills N       kill -9 of a worker (default 5)
  --temporal-restarts N  kill -9 and restart of the Temporal dev server (default 2)
  --postgres-restarts N  restarts of Postgres (default 1)
  --fault-window S       faults fall from 5 s before the due instant to S seconds after it (default 180)
  --seed N               draws the same faults and receiver answers again (default: random, printed)
  --max-failures-per-key N  the receiver takes a greeting after N failed answers in a row (default 5; 0: no bound)
  --settle-timeout S     how long every user may take to settle after the last fault (default 3600)
  --out DIR              where results go (default docs/reliability/results)
  --keep-data            keep the stack's data folder and logs`;

function parseOptions(argv: string[]): (Omit<ChaosOptions, 'log'> & { out: string }) | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '2000' },
      workers: { type: 'string', default: '2' },
      'worker-kills': { type: 'string', default: '5' },
      'temporal-restarts': { type: 'string', default: '2' },
      'postgres-restarts': { type: 'string', default: '1' },
      'fault-window': { type: 'string', default: '180' },
      seed: { type: 'string' },
      'max-failures-per-key': { type: 'string', default: '5' },
      'settle-timeout': { type: 'string', default: '3600' },
      out: { type: 'string', default: path.join(REPO_ROOT, 'docs/reliability/results') },
      'keep-data': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const count = (name: string, text: string | undefined, min = 0) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return value;
  };
  return {
    users: count('users', values.users, 1),
    workers: count('workers', values.workers, 1),
    faults: {
      workerKills: count('worker-kills', values['worker-kills']),
      temporalRestarts: count('temporal-restarts', values['temporal-restarts']),
      postgresRestarts: count('postgres-restarts', values['postgres-restarts']),
    },
    faultWindowMs: count('fault-window', values['fault-window'], 1) * 1000,
    receiverMix: { serverError: 0.2, tooManyRequests: 0.05, hang: 0.05, drop: 0.02 },
    // A receiver that fails one greeting more than 5 times in a row is down for it, which is the outage tests' case:
    // unbounded, the retry policy's doubling waits (10 s × 2^n) stretch a run past an hour for one unlucky greeting.
    maxFailuresPerKey: count('max-failures-per-key', values['max-failures-per-key']) || undefined,
    webhookTimeoutMs: 3_000,
    seed: values.seed === undefined ? randomInt(2 ** 31) : count('seed', values.seed),
    settleTimeoutMs: count('settle-timeout', values['settle-timeout'], 1) * 1000,
    keepData: values['keep-data'],
    out: values.out,
  };
}

/** `npm run chaos`: the bounded, self-stopping chaos run on loopback; exits 1 on any loss or doubling. */
async function main(): Promise<number> {
  const options = parseOrExplain(() => parseOptions(process.argv.slice(2)), USAGE);
  if (isExit(options)) return options.exitCode;
  stopOnInterrupt(stopChaosStacks);
  const { out, ...chaos } = options;
  console.log(`chaos run, seed ${chaos.seed}`);
  const run = await runChaos({ ...chaos, log: (line) => console.log(`[${new Date().toISOString()}] ${line}`) });
  const { figures, checks } = run.verdict;
  console.log(`\nlateness: ${formatDistribution(figures.latenessMs)}`);
  console.log(`POSTs ${figures.posts} (${JSON.stringify(figures.answers)}), repeats ${figures.repeatPosts}`);
  for (const check of checks) console.log(`${check.ok ? 'ok    ' : 'FAILED'} ${check.name}: ${check.found}`);
  const files = await writeChaosResult(run, out);
  console.log(`results: ${files.join('\n         ')}`);
  console.log(run.verdict.ok ? 'PASSED: nothing lost, nothing doubled' : 'FAILED');
  return run.verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
