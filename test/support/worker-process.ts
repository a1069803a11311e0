import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from './free-port';
import { commandOf } from './package-scripts';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  pid: number;
  /** What the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  kill(signal: NodeJS.Signals): void;
  /** Ends the process if it still runs (SIGKILL): for clean-up only. */
  stop(): Promise<void>;
}

/** How `npm run worker` starts the worker (its node flags, its TypeScript entry file through tsx). */
const WORKER_FROM_SOURCE = commandOf('worker').slice(1);

/**
 * The real worker entry point (`npm run worker`) as a child process, configured only through `settings`; its two
 * metrics ports are free ones unless given, so several processes run side by side. `nodeArgs` start another form of
 * it (the compiled file the image runs).
 */
export async function startWorkerProcess(
  settings: Record<string, string>,
  nodeArgs: string[] = WORKER_FROM_SOURCE,
): Promise<WorkerProcess> {
  const metricsPorts = {
    METRICS_PORT: String(await freePort()),
    TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...metricsPorts, ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    kill: (signal) => child.kill(signal),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

/**
 * Resolves once the worker process polls both the workflow and the activity side of `taskQueue`, as the server sees
 * it (the SDK's default identity is `pid@hostname`); fails early if the process exits first.
 */
export async function waitUntilPolling(
  client: Client,
  taskQueue: string,
  worker: WorkerProcess,
  timeoutMs = 180_000,
): Promise<void> {
  const identity = `${worker.pid}@${hostname()}`;
  let exited = false;
  void worker.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const polling = await Promise.all(
      [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: taskQueue },
          taskQueueType,
        });
        return pollers.some((poller) => poller.identity === identity);
      }),
    );
    if (polling.every(Boolean)) return;
    if (exited) throw new Error(`the worker process exited before polling:\n${worker.output()}`);
    if (Date.now() > deadline)
      throw new Error(`the worker process did not poll within ${timeoutMs} ms:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
