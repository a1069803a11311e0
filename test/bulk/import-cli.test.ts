import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNpmScript, REPO_ROOT } from '../support/run-process';
import { apiForThisFile, TEST_API_KEY } from '../support/service';
import { untilRunsStarted } from '../support/runs-started';

// `npm run import` and `npm run export` as an operator runs them, against a started API: every row once, bad rows
// refused with their line and reason, a re-run changing nothing, an interrupted import continued where it stopped,
// and an export that imports back unchanged.

const api = apiForThisFile('import-cli');
const folder = mkdtempSync(path.join(tmpdir(), 'import-cli-'));
const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const emailOf = (label: string, index: number) => `${label}-${index}-${run}@example.com`;

/** A name of letters only (names may hold digits, but this keeps the CSV plain). */
const nameOf = (index: number) =>
  `N${String.fromCharCode(97 + (index % 26))}${String.fromCharCode(97 + ((index / 26) | 0))}`;

/** A CSV of `count` good people (labelled `label`), in the columns' order of a spreadsheet, not the API's. */
function peopleCsv(label: string, count: number, extraRows: string[] = []): string {
  const rows = Array.from(
    { length: count },
    (_, index) =>
      `${emailOf(label, index)},${nameOf(index)},"Smith, Jr.",1985-0${(index % 9) + 1}-1${index % 10},Asia/Kolkata`,
  );
  return ['email,firstName,lastName,birthday,timezone', ...rows, ...extraRows].join('\r\n') + '\r\n';
}

const apiArgs = () => ['--api', api.url, '--api-key', TEST_API_KEY];

const usersOf = (label: string) =>
  api.db.user.findMany({ where: { liveEmail: { startsWith: `${label}-`, endsWith: `-${run}@example.com` } } });

test('imports a CSV once: good rows created with their workflows, bad rows refused by line; a re-run changes nothing', async () => {
  const file = path.join(folder, 'people.csv');
  writeFileSync(
    file,
    peopleCsv('first', 30, [
      `${emailOf('bad', 1)},Ada,Lovelace,1990-02-30,Europe/London`,
      `${emailOf('bad', 2)},Bob,Builder,1990-01-01,Mars/Olympus`,
      `${emailOf('bad', 3)},,Nameless,1990-01-01,Europe/London`,
    ]),
  );
  const first = await runNpmScript('import', [file, ...apiArgs(), '--rate', '500', '--batch', '7']);
  expect(first.stderr).not.toContain('import failed');
  expect(first.code).toBe(3);
  expect(first.stdout).toContain('33 rows: created 30, updated 0, unchanged 0, refused 3');
  expect(first.stdout).toContain(
    'line 32: validation_failed: the body is not valid (birthday: not a real calendar date)',
  );
  expect(first.stdout).toMatch(/line 33: validation_failed: .*timezone: not an IANA time zone name/);
  // An empty cell is a field left out: the API's answer for a create without it.
  expect(first.stdout).toMatch(/line 34: validation_failed: .*\(firstName: /);
  // Each user's runs start right after its create's answer.
  for (const user of await usersOf('first')) await untilRunsStarted(api.db, user.id);
  const created = await usersOf('first');
  expect(created).toHaveLength(30);
  expect(created.every((user) => user.lastName === 'Smith, Jr.' && user.workflowSyncRequestedAt === null)).toBe(true);
  expect(existsSync(`${file}.import-progress`)).toBe(false);

  const again = await runNpmScript('import', [file, ...apiArgs(), '--report', path.join(folder, 'report.json')]);
  expect(again.stdout).toContain('33 rows: created 0, updated 0, unchanged 30, refused 3');
  expect(await usersOf('first')).toHaveLength(30);
  const report = JSON.parse(readFileSync(path.join(folder, 'report.json'), 'utf8'));
  expect(report.refusedRows.map((row: { line: number }) => row.line)).toEqual([32, 33, 34]);
});

test('an import killed midway continues after the last row done, and everyone exists exactly once', async () => {
  const file = path.join(folder, 'interrupted.csv');
  writeFileSync(file, peopleCsv('resumed', 60));
  const progressFile = `${file}.import-progress`;
  // Slow enough to be caught midway: 20 rows a second, 5 a request.
  const child = spawn(
    'npm',
    ['run', '--silent', 'import', '--', file, ...apiArgs(), '--rate', '20', '--batch', '5', '--concurrency', '1'],
    { cwd: REPO_ROOT, stdio: 'ignore', detached: true },
  );
  const exited = new Promise((done) => child.on('exit', done));
  await waitFor(() => existsSync(progressFile) && lastLineDone(progressFile) >= 15);
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  const stoppedAt = lastLineDone(progressFile);
  expect(stoppedAt).toBeLessThan(61);

  const rerun = await runNpmScript('import', [file, ...apiArgs(), '--rate', '1000']);
  expect(rerun.code).toBe(0);
  expect(rerun.stdout).toMatch(/60 rows: created \d+, updated 0, unchanged \d+, refused 0 \(this run went on after/);
  const users = await usersOf('resumed');
  expect(users).toHaveLength(60);
  expect(new Set(users.map((user) => user.liveEmail)).size).toBe(60);
  expect(existsSync(progressFile)).toBe(false);
});

test('an export holds every user with the header an import takes, and importing it back changes nothing', async () => {
  const source = path.join(folder, 'source.ndjson');
  const people = Array.from({ length: 5 }, (_, index) => ({
    firstName: `Zoë, "${nameOf(index)}"`,
    lastName: 'Ørsted-Ωmega',
    birthday: '1977-07-07',
    timezone: 'America/Sao_Paulo',
    email: emailOf('exported', index),
    externalId: `crm-${run}-${index}`,
  }));
  writeFileSync(source, people.map((person) => JSON.stringify(person)).join('\n'));
  expect((await runNpmScript('import', [source, ...apiArgs()])).code).toBe(0);

  const exported = path.join(folder, 'export.csv');
  const result = await runNpmScript('export', [exported, ...apiArgs()]);
  expect(result.code).toBe(0);
  const text = readFileSync(exported, 'utf8');
  expect(text.split('\n')[0]).toBe('firstName,lastName,birthday,anniversary,timezone,email,externalId');
  for (const person of people) expect(text).toContain(person.externalId);

  // Only this test's users: the database holds other files' users too.
  const ours = path.join(folder, 'ours.csv');
  const header = text.slice(0, text.indexOf('\n') + 1);
  const records = text
    .slice(header.length)
    .split(/\n(?=")/)
    .filter((record) => record.includes(`crm-${run}-`));
  writeFileSync(ours, header + records.map((record) => record.replace(/\n?$/, '\n')).join(''));
  const reimport = await runNpmScript('import', [ours, ...apiArgs()]);
  expect(reimport.stdout).toContain('5 rows: created 0, updated 0, unchanged 5, refused 0');
  expect(reimport.code).toBe(0);
});

test('without a file it explains its usage and exits 2', async () => {
  const result = await runNpmScript('import', []);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('Usage: npm run import');
});

function lastLineDone(file: string): number {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { lastLineDone: number }).lastLineDone;
  } catch {
    return 0; // being replaced at this moment
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 60_000) throw new Error('the condition did not hold within 60 s');
    await new Promise((done) => setTimeout(done, 50));
  }
}
