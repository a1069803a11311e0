import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNpmScript } from '../support/run-process';

/** `npm run bench -- burst`: the whole benchmark, small, end to end. Behaviour only: no timing is judged here. */
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-bench-out-'));
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/**
 * `npm run bench -- <args>`, expected to exit 0; on a failure the bench's own words say why (its stack's logs are in
 * the temporary folder it names).
 */
async function runBench(args: string[], env: Record<string, string> = {}) {
  const run = await runNpmScript('bench', args, {
    env: { ...process.env, TEMPORAL_CLI_PATH: process.env.TEST_TEMPORAL_CLI, ...env },
    timeoutMs: 240_000,
  });
  expect({
    code: run.code,
    output: run.code === 0 ? '' : `${run.stdout.slice(-3_000)}\n${run.stderr.slice(-3_000)}`,
  }).toEqual({
    code: 0,
    output: '',
  });
  return run;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('bench burst with a second worker process greets every user exactly once, settles, runs the baselines and writes JSON, Markdown and PNG plots', async () => {
  const args = ['burst', '--users', '50', '--workers', '2', '--startup-allowance', '45', '--out', outDir];
  // A tuning setting the stack inherits is recorded with the figures.
  // The runs confirm within 20 s of the instant, so the burst settles soon after.
  const run = await runBench(args, { WORKER_MAX_CACHED_WORKFLOWS: '200', HAND_OVER_WINDOW: '20s' });
  expect(run.stdout).toContain('drain rate');

  const files = await readdir(outDir);
  const json = files.find((file) => file.endsWith('-burst-50-dev-2w.json'));
  expect(json).toBeDefined();
  expect(files).toContain(json!.replace(/\.json$/, '.md'));
  const report = JSON.parse(await readFile(path.join(outDir, json!), 'utf8'));
  expect(report.warnings).toEqual([]);
  expect(report.settings).toMatchObject({ engine: 'dev', workers: 2, tuning: { WORKER_MAX_CACHED_WORKFLOWS: '200' } });

  // The receiver and the ledger agree: each of the 50 users got one POST and has one delivered row, nothing else.
  const { drain, ledger, settle, pgBoss, poller } = report.figures;
  expect({ deliveries: drain.deliveries, users: drain.users, repeats: drain.repeats }).toEqual({
    deliveries: 50,
    users: 50,
    repeats: 0,
  });
  expect(ledger).toMatchObject({ users: 50, deliveredOnce: 50, rowsByStatus: { delivered: 50 }, exactlyOnce: true });
  expect(settle.settled).toBe(true);
  // Every POST is put down to one of the two worker processes (which of them sends how many is Temporal's choice),
  // and npm start's API, its worker process and the extra worker have their CPU and memory counted apart.
  expect(Object.keys(drain.bySender).every((sender) => ['worker 1', 'worker 2'].includes(sender))).toBe(true);
  expect(Object.values<number>(drain.bySender).reduce((sum, posts) => sum + posts, 0)).toBe(50);
  expect(report.figures.usage.whole).toMatchObject({
    api: { processes: 1 },
    'worker 1': { processes: 1 },
    'worker 2': { processes: 1 },
  });
  expect(Object.keys(report.figures.usage.whole)).not.toContain('node');
  expect(pgBoss).toMatchObject({ deliveries: 50, users: 50, repeats: 0, ledgerRows: 50, exactlyOnce: true });
  expect(poller).toMatchObject({ delivered: 50, repeats: 0, exactlyOnce: true });

  expect(report.plots).toHaveLength(2);
  for (const plot of report.plots) {
    const png = await readFile(path.join(outDir, plot.file));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  }
  const markdown = await readFile(path.join(outDir, json!.replace(/\.json$/, '.md')), 'utf8');
  for (const plot of report.plots) expect(markdown).toContain(`](${plot.file})`);
}, 300_000);

test('bench load drives create, read and list at a fixed rate, then again during a rush, with no errors, and writes JSON and Markdown', async () => {
  const args = ['load', '--users', '10', '--rate', '20', '--seconds', '3', '--rush-users', '10'];
  const run = await runBench([...args, '--startup-allowance', '20', '--out', outDir]);
  expect(run.stdout).toContain('latency per operation');

  const files = await readdir(outDir);
  const json = files.find((file) => file.endsWith('-load-10-dev-1w.json'));
  expect(json).toBeDefined();
  expect(files).toContain(json!.replace(/\.json$/, '.md'));
  const report = JSON.parse(await readFile(path.join(outDir, json!), 'utf8'));
  expect(report.warnings).toEqual([]);
  // Two phases of 20 requests a second for 3 s, each split 1:2:2 between create, read and list, none an error.
  const { phases, rush } = report.figures;
  expect(phases.map((phase: { label: string }) => phase.label)).toEqual(['steady', 'rush']);
  for (const phase of phases) {
    const { create, read, list } = phase.operations;
    expect([create.requests, read.requests, list.requests]).toEqual([12, 24, 24]);
    expect([create.errors, read.errors, list.errors]).toEqual([0, 0, 0]);
    expect(read.statuses).toEqual({ 200: 24 });
    expect(read.latency.count).toBe(24);
  }
  expect(rush).toMatchObject({ users: 10, greeted: 10, repeats: 0 });
}, 300_000);
