import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stackShape, type BenchOptions } from './options';
import { startBenchReceiver } from './receiver';
import type { BenchResult } from './report';
import { openSession, type Session } from './session';
import { spreadBirthday, spreadZone } from './spread';
import { REPO_ROOT } from './stack';
import { sleep } from './stats';

/** Kinds of bad rows the generated file holds, one every `invalidEvery` rows, in turn. */
const BAD_ROWS: ((row: string[]) => string[])[] = [
  ([email, externalId, first, last, , zone]) => [email!, externalId!, first!, last!, '1990-02-30', zone!],
  ([email, externalId, first, last, birthday]) => [email!, externalId!, first!, last!, birthday!, 'Mars/Olympus'],
  ([email, externalId, , last, birthday, zone]) => [email!, externalId!, '', last!, birthday!, zone!],
  ([email, externalId, first, last, , zone]) => [email!, externalId!, first!, last!, '2999-01-01', zone!],
  ([, , first, last, birthday, zone]) => ['', '', first!, last!, birthday!, zone!],
];

/** One `npm run import` of the file: its exit code, the summary it printed and how long it took. */
interface ImportRun {
  code: number | null;
  summary: string;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * `npm run bench -- import --rows N`: a generated CSV of N people (a few of them invalid, half matched by externalId and
 * half by email) imported through `npm run import` at --rate rows a second into a started stack, then imported again.
 * Checks that every valid row made one user with one running workflow, the bad rows were refused, and the second run
 * changed nothing; reports the import rate.
 */
export async function runImport(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const shape = stackShape(options);
  const folder = await mkdtemp(path.join(tmpdir(), 'bench-import-'));
  const receiver = await startBenchReceiver();
  const session = await openSession(options, receiver, undefined);
  try {
    const run = randomUUID().slice(0, 8);
    const file = path.join(folder, 'people.csv');
    const invalid = await writePeople(file, options.users, options.invalidEvery, run);
    const valid = options.users - invalid;
    const plannedBefore = await session.temporal.runningPlanned();
    console.log(`importing ${options.users} rows (${invalid} invalid) at ${options.rate} rows/s`);
    const first = await importOnce(session, file, options);
    console.log(first.summary);
    console.log('importing the same file again');
    const again = await importOnce(session, file, options);
    console.log(again.summary);
    const users = await countUsers(session.stack.databaseUrl, run);
    const planned = await untilPlanned(session, plannedBefore + valid);

    const expectedFirst = `created ${valid}, updated 0, unchanged 0, refused ${invalid}`;
    const expectedAgain = `created 0, updated 0, unchanged ${valid}, refused ${invalid}`;
    const warnings = [
      ...(first.summary.includes(expectedFirst) ? [] : [`the first import did not report "${expectedFirst}"`]),
      ...(again.summary.includes(expectedAgain) ? [] : [`the second import did not report "${expectedAgain}"`]),
      ...(users.live === valid && users.distinctEmails === valid
        ? []
        : [`expected ${valid} users, each once: found ${JSON.stringify(users)}`]),
      ...(planned === plannedBefore + valid
        ? []
        : [`expected ${valid} more planned workflows, found ${planned - plannedBefore}`]),
    ];
    return {
      kind: 'import',
      users: options.users,
      startedAt,
      stack: shape,
      settings: { rows: options.users, invalidEvery: options.invalidEvery, rate: options.rate, ...shape },
      figures: { rows: options.users, valid, invalid, first, again, users, plannedWorkflows: planned - plannedBefore },
      warnings,
      plots: [],
      sections: [
        {
          title: `Import of ${options.users} rows (${invalid} invalid) at --rate ${options.rate}`,
          rows: [
            { name: 'first run', value: `${first.rowsPerSecond.toFixed(1)} rows/s (${first.seconds.toFixed(1)} s)` },
            { name: 'first run report', value: first.summary.split('\n')[0]!.replace(/^.*?: /, '') },
            { name: 're-run', value: `${again.rowsPerSecond.toFixed(1)} rows/s (${again.seconds.toFixed(1)} s)` },
            { name: 're-run report', value: again.summary.split('\n')[0]!.replace(/^.*?: /, '') },
            { name: 'users in Postgres', value: `${users.live} live, ${users.distinctEmails} distinct emails` },
            { name: 'workflows planned', value: String(planned - plannedBefore) },
          ],
          note:
            'Rows per second are the rows sent divided by the wall time of `npm run import` (including its start-up ' +
            'of a second or two); the stack is `npm start` on this machine.',
        },
      ],
    };
  } finally {
    await session.close();
    await receiver.close();
    await rm(folder, { recursive: true, force: true });
  }
}

/** Writes the CSV; returns how many of its rows are invalid. Emails are unique to the run. */
async function writePeople(file: string, rows: number, invalidEvery: number, run: string): Promise<number> {
  const lines = ['email,externalId,firstName,lastName,birthday,timezone'];
  let invalid = 0;
  for (let index = 0; index < rows; index++) {
    // Half the people carry a CRM id, half are matched by their email alone.
    const externalId = index % 2 === 0 ? `crm-${run}-${index}` : '';
    let row = [
      `person-${index}@${run}.bench.example.com`,
      externalId,
      nameOf(index),
      'Importé',
      spreadBirthday(index),
      spreadZone(index),
    ];
    if ((index + 1) % invalidEvery === 0) {
      row = BAD_ROWS[invalid % BAD_ROWS.length]!(row);
      invalid++;
    }
    lines.push(row.join(','));
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return invalid;
}

/** A name of letters only: 0 → Aa, 1 → Ab, … */
function nameOf(index: number): string {
  let name = '';
  let rest = index;
  do {
    name = String.fromCharCode(97 + (rest % 26)) + name;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return `P${name}`;
}

/** Runs `npm run import` as an operator would, its progress bar on this terminal, and times it. */
async function importOnce(session: Session, file: string, options: BenchOptions): Promise<ImportRun> {
  const args = ['run', '--silent', 'import', '--', file, '--api', session.stack.apiUrl, '--rate', String(options.rate)];
  const startedAt = performance.now();
  const child = spawn('npm', args, {
    cwd: REPO_ROOT,
    env: { ...process.env, API_KEY: session.stack.apiKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let summary = '';
  child.stdout.on('data', (chunk: Buffer) => (summary += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    code,
    summary: summary.trim().split('\n').slice(0, 3).join('\n'),
    seconds,
    rowsPerSecond: options.users / seconds,
  };
}

async function countUsers(databaseUrl: string, run: string): Promise<{ live: number; distinctEmails: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ live: string; distinct_emails: string }>(
      `SELECT count(*) AS live, count(DISTINCT live_email) AS distinct_emails
       FROM users WHERE deleted_at IS NULL AND live_email LIKE $1`,
      [`%@${run}.bench.example.com`],
    );
    return { live: Number(rows[0]!.live), distinctEmails: Number(rows[0]!.distinct_emails) };
  } finally {
    await client.end();
  }
}

/** Running workflows with a plan, once they reach `expected` or stop growing for half a minute (visibility lags). */
async function untilPlanned(session: Session, expected: number): Promise<number> {
  let count = await session.temporal.runningPlanned();
  for (let still = 0; count < expected && still < 30; still++) {
    await sleep(1_000);
    const now = await session.temporal.runningPlanned();
    if (now > count) still = 0;
    count = now;
  }
  return count;
}
