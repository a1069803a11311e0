import { parseArgs } from 'node:util';
import type { Engine } from './stack';

const KINDS = ['burst', 'create', 'scale', 'load', 'import', 'sweep', 'rush'] as const;
export type Kind = (typeof KINDS)[number];

function isKind(kind: string | undefined): kind is Kind {
  return KINDS.some((known) => known === kind);
}

/** `npm run bench -- <kind> [options]`, parsed. */
export interface BenchOptions {
  kind: Kind;
  users: number;
  concurrency: number;
  /** A running stack's API; the bench then starts nothing. */
  api: string | undefined;
  databaseUrl: string | undefined;
  /** With --api: a key its API accepts. */
  apiKey: string | undefined;
  temporalAddress: string;
  /** The running stack's DELIVERY_TIME (with --api). */
  deliveryTime: string;
  engine: Engine;
  out: string;
  baseline: boolean;
  workers: number;
  keepData: boolean;
  /** create: requests per second of the steady phase, and its length; import: rows per second. */
  rate: number;
  /** import: one row in this many is invalid. */
  invalidEvery: number;
  steadySeconds: number;
  /** burst and scale: how long the stack may take to start before the due instant is missed. */
  startupAllowanceSeconds: number;
  /** load: how long each phase sends its fixed rate. */
  seconds: number;
  /** load: users due at one instant for the second phase (0: no such phase). */
  rushUsers: number;
}

export const USAGE = `Usage: npm run bench -- <burst|create|scale|load|import|sweep|rush> [options]

  burst    N users all due at one instant a little after they are created: create rate and latency, drain rate,
           lateness, repeats, ledger check, time to settle, CPU and memory per process; pg-boss and a naive
           poller as baselines
  create   N users at full concurrency, then a steady open-loop phase: create latency and "planned within"
  import   a generated CSV of N rows (--rows, default 10000; some invalid) through npm run import, then again:
           import rate, every valid row one user with one workflow, the second run changing nothing
  scale    N registered users (default 100000), today's share due a few minutes after creation: worker memory at
           rest and in the rush, history events per yearly run, Postgres and Temporal storage per user
  load     N seeded users (default 200), then create, read and list at a fixed total rate for S seconds: count,
           errors and p50/p95/p99/max latency per operation; with --rush-users M the same load again while M users
           due at one instant are greeted
  sweep    N users (default 100000) written straight into Postgres with no workflow (Temporal's store lost): the
           fleet reconciler's full sweep restores every run (starts/s, API creates answered meanwhile, time until
           every run planned), then sweeps again at rest (time, queries, CPU)
  rush     N users (default 100000) written straight into Postgres, all due at one instant and armed, with no
           workflow: the instant's dispatcher sends them all (drain rate, first greeting, lateness, repeats, worker
           memory and CPU through it)

Options:
  --users N, --rows N        users to create (burst, create: 1000; scale, sweep, rush: 100000; import: 10000)
  --concurrency C            requests in flight while creating (default 32)
  --api URL                  use a running stack instead of starting one (then --database-url, --temporal-address,
                             --delivery-time say where its Postgres and Temporal are and its worker's DELIVERY_TIME)
  --api-key KEY              with --api: one of its API_KEYS
  --database-url URL         the running stack's Postgres (ledger check, baselines, storage)
  --temporal-address H:P     the running stack's Temporal frontend (default 127.0.0.1:7233)
  --delivery-time HH:MM      the running stack's DELIVERY_TIME (default 09:00)
  --engine dev|server        dev: the embedded stack of npm start (default); server: the same with a real
                             temporal-server on its own embedded Postgres instead of the dev server (built once by
                             npm run tools -- --temporal-server)
  --out DIR                  where results go (default docs/benchmarks/results)
  --no-baseline              skip pg-boss and the poller (burst)
  --workers N                worker processes (default 1, npm start's own): N-1 more npm run worker processes
                             against the same Temporal, task queue, database and webhook
  --rate R                   create: requests per second in the steady phase; load: of the whole mix (default 100);
                             import: rows per second (default 200, npm run import's)
  --seconds S                load: length of each phase (default 60)
  --rush-users M             load: users due at one instant for a second phase under the same load (default 0)
  --invalid-every N          import: one row in N is invalid (default 40)
  --steady-seconds S         create: length of the steady phase (default 30)
  --startup-allowance S      seconds the stack may take to start (default 60); a slower start is retried once
  --keep-data                keep the stack's DATA_DIR
  --help
`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return number;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      users: { type: 'string' },
      rows: { type: 'string' },
      'invalid-every': { type: 'string' },
      concurrency: { type: 'string' },
      api: { type: 'string' },
      'api-key': { type: 'string' },
      'database-url': { type: 'string' },
      'temporal-address': { type: 'string' },
      'delivery-time': { type: 'string' },
      engine: { type: 'string' },
      out: { type: 'string' },
      'no-baseline': { type: 'boolean' },
      workers: { type: 'string' },
      rate: { type: 'string' },
      'steady-seconds': { type: 'string' },
      'startup-allowance': { type: 'string' },
      seconds: { type: 'string' },
      'rush-users': { type: 'string' },
      'keep-data': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const kind = positionals[0];
  if (!isKind(kind)) {
    throw new Error(
      `expected a benchmark: burst, create, scale, load, import, sweep or rush (got ${kind ?? 'nothing'})`,
    );
  }
  const engine = values.engine ?? 'dev';
  if (engine !== 'dev' && engine !== 'server') throw new Error('--engine must be dev or server');
  const workers = positiveInteger('workers', values.workers, 1);
  if (workers > 1 && values.api) {
    throw new Error('--workers above 1 needs a stack the bench starts: it cannot add workers to one given by --api');
  }
  if (values.api && !values['database-url']) {
    throw new Error('--api needs --database-url: the ledger check reads the stack’s Postgres');
  }
  if (values.api && !values['api-key']) throw new Error('--api needs --api-key: one of the stack’s API_KEYS');
  const deliveryTime = values['delivery-time'] ?? '09:00';
  if (!/^\d{2}:\d{2}(:\d{2})?$/.test(deliveryTime)) throw new Error('--delivery-time must be HH:MM or HH:MM:SS');
  return {
    kind,
    users: positiveInteger(
      'users',
      values.users ?? values.rows,
      kind === 'scale' || kind === 'sweep' || kind === 'rush'
        ? 100_000
        : kind === 'import'
          ? 10_000
          : kind === 'load'
            ? 200
            : 1_000,
    ),
    concurrency: positiveInteger('concurrency', values.concurrency, 32),
    api: values.api?.replace(/\/$/, ''),
    databaseUrl: values['database-url'],
    apiKey: values['api-key'],
    temporalAddress: values['temporal-address'] ?? '127.0.0.1:7233',
    deliveryTime,
    engine,
    out: values.out ?? 'docs/benchmarks/results',
    baseline: !values['no-baseline'],
    workers,
    keepData: values['keep-data'] ?? false,
    rate: positiveInteger('rate', values.rate, kind === 'import' ? 200 : 100),
    invalidEvery: positiveInteger('invalid-every', values['invalid-every'], 40),
    steadySeconds: positiveInteger('steady-seconds', values['steady-seconds'], 30),
    startupAllowanceSeconds: positiveInteger('startup-allowance', values['startup-allowance'], 60),
    seconds: positiveInteger('seconds', values.seconds, 60),
    rushUsers: values['rush-users'] === undefined ? 0 : positiveInteger('rush-users', values['rush-users'], 0),
  };
}

/** What the figures were measured on: in the settings of every result, and in its file names. */
export interface StackShape {
  /** `dev`, `server`, or `attached to <url>` (--api). */
  engine: string;
  /** Worker processes the bench ran (1 for an attached stack: the bench cannot tell). */
  workers: number;
  /**
   * The stack's tuning set in the bench's environment, which the stack inherits (WORKER_MAX_CACHED_WORKFLOWS=500,
   * ...): figures of differently tuned runs must not pass for one another. Empty: every default.
   */
  tuning: Record<string, string>;
}

const TUNING_SETTING = /^(WORKER_|API_MAX_|DISPATCH_|HAND_OVER_WINDOW$|MAX_DELIVERY_LATENESS$|WEBHOOK_TIMEOUT_MS$)/;

export function stackShape(options: BenchOptions): StackShape {
  const tuning = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => TUNING_SETTING.test(entry[0]) && entry[1] !== undefined,
    ),
  );
  return { engine: options.api ? `attached to ${options.api}` : options.engine, workers: options.workers, tuning };
}
