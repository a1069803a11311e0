import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readStat } from '../../bench/process-usage';
import { npmStartWorkerPid } from '../../bench/stack';
import { sample, scrape } from '../support/metrics-text';
import { npmStartDataDir, npmStartEnv, npmStartPorts, RUNNING, START_ALL } from '../support/npm-start';
import { processTree, stillRunning, untilGone, type ProcessRecord } from '../support/process-tree';
import { ServiceProcess } from '../support/service-process';
import { WORKER_NODE_FLAGS } from '../../src/worker/node-flags';

/**
 * `npm start`'s processes: the worker runs in one of its own, and whatever way npm start or its worker ends, nothing
 * is left running. Real embedded Postgres, real Temporal dev server.
 */
let dataDir: string;
let running: ServiceProcess | undefined;

beforeEach(async () => {
  dataDir = await npmStartDataDir('processes');
});

afterEach(async () => {
  running?.kill();
  running = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

interface Started {
  api: string;
  authorization: Record<string, string>;
  workerPid: number;
  /** npm start and every process below it, once it said it is running. */
  tree: ProcessRecord[];
}

async function startNpmStart(): Promise<Started> {
  const ports = await npmStartPorts();
  running = new ServiceProcess(START_ALL, npmStartEnv(ports, dataDir));
  await running.waitForOutput(RUNNING, 90_000);
  const workerPid = npmStartWorkerPid(running.output);
  const key = (await readFile(path.join(dataDir, 'api-key'), 'utf8')).trim();
  return {
    api: `http://127.0.0.1:${ports.PORT}`,
    authorization: { authorization: `Bearer ${key}` },
    workerPid,
    tree: processTree(running.pid),
  };
}

/** What of `tree` runs the worker: its process and what it started (tsx's esbuild). */
function workerProcesses(tree: ProcessRecord[], workerPid: number): ProcessRecord[] {
  return tree.filter((process) => process.pid === workerPid || readStat(process.pid)?.ppid === workerPid);
}

test('the worker runs in a process of its own, whose metrics the API serves; Ctrl-C stops everything with exit 0', async () => {
  const { api, authorization, workerPid, tree } = await startNpmStart();
  const npmStart = running!;
  expect(workerPid).not.toBe(npmStart.pid);
  expect(readStat(workerPid)?.ppid).toBe(npmStart.pid);
  const workerCommandLine = tree.find((process) => process.pid === workerPid)?.commandLine;
  expect(workerCommandLine).toMatch(/scripts\/dev\/worker-child\.ts$/);
  // With the worker's node flags (its memory), as `npm run worker` and the worker container have them.
  expect(workerCommandLine).toContain(WORKER_NODE_FLAGS.join(' '));
  // The banner names the worker's own /metrics; the API's page holds it too, the families both fill labelled.
  const workerMetrics = /Worker +pid \d+, metrics (\S+)/.exec(npmStart.output)?.[1];
  expect(await scrape(workerMetrics!)).toMatch(/^temporal_worker_start/m);
  const metrics = await scrape(`${api}/metrics`, authorization);
  expect(metrics).toMatch(/^temporal_worker_start/m);
  expect(sample(metrics, 'process_start_time_seconds', { process: 'worker' })).toBeGreaterThan(0);
  expect(sample(metrics, 'process_start_time_seconds', { process: 'api' })).toBeGreaterThan(0);

  expect(await npmStart.interrupt()).toBe(0);
  // The API first, then the worker (its shutdown in the log), then what it needed.
  expect(npmStart.output).toMatch(/stopping\.\.\.[\s\S]*Worker state changed[\s\S]*STOPPED/);
  expect(await untilGone(tree, 10_000)).toEqual([]);
}, 180_000);

test('a worker that dies makes npm start say so and stop everything, with exit code 1', async () => {
  const { workerPid, tree } = await startNpmStart();
  const npmStart = running!;
  process.kill(workerPid, 'SIGKILL');
  expect(await npmStart.exited).toBe(1);
  expect(npmStart.output).toContain(
    `the worker process (pid ${workerPid}) exited on its own (signal SIGKILL): stopping everything`,
  );
  expect(await untilGone(tree, 10_000)).toEqual([]);
}, 180_000);

test('an npm start killed with SIGKILL leaves no worker behind', async () => {
  const { workerPid, tree } = await startNpmStart();
  const worker = workerProcesses(tree, workerPid);
  expect(stillRunning(worker).length).toBeGreaterThan(0);
  // Its whole process group, as `kill -9 -<pid>` would: Postgres and Temporal go with it; the worker has its own.
  running!.kill();
  expect(await untilGone(worker, 60_000)).toEqual([]);
}, 180_000);
