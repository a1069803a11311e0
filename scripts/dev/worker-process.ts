import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { pollerIdentities } from '../../src/temporal/task-queue-pollers';
import { WORKER_NODE_FLAGS } from '../../src/worker/node-flags';

export interface WorkerProcessOptions {
  /** Settings over the ones it inherits from npm start's environment (DATABASE_URL, WEBHOOK_URL, ...). */
  settings: Record<string, string>;
  /** Its `/metrics`, on the METRICS_PORT given in `settings`. */
  metricsUrl: string;
  /** WORKER_SHUTDOWN_GRACE_TIME: a stop that takes longer than this and a margin is ended with SIGKILL. */
  shutdownGraceMs: number;
  /** Called if it exits without having been asked to stop (a crash, a kill -9); `how` says with what. */
  onUnexpectedExit: (how: string) => void;
}

export interface RunningWorkerProcess {
  pid: number;
  metricsUrl: string;
  /** Resolves once Temporal lists this process among the task queue's workflow and activity pollers. */
  untilPolling(client: Client, taskQueue: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM: it finishes what it is delivering and exits; SIGKILL only if it hangs well past its grace time. */
  stop: () => Promise<void>;
}

const WORKER_CHILD = path.resolve(__dirname, 'worker-child.ts');
const KILL_MARGIN_MS = 15_000;

/**
 * `npm run worker` (the worker, which also runs the fleet's reconciler passes) as a process of `npm start`'s, so
 * that workflow tasks and plans never hold up the API's event loop. What it prints is npm start's output.
 */
export function startWorkerProcess(options: WorkerProcessOptions): RunningWorkerProcess {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', WORKER_CHILD], {
    env: { ...process.env, ...options.settings },
    // A process group of its own: a Ctrl-C in the terminal reaches npm start only, which stops it after the API.
    detached: true,
    // stdin: a pipe that closes when npm start ends, however it ends (worker-child.ts).
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    child.once('error', (error) => resolve(`error: ${error.message}`));
  });
  let stopping = false;
  void exited.then((how) => {
    if (!stopping) options.onUnexpectedExit(how);
  });
  const identity = `${child.pid}@${hostname()}`;

  return {
    pid: child.pid!,
    metricsUrl: options.metricsUrl,
    async untilPolling(client, taskQueue, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      const polls = async () => {
        const workflow = await pollerIdentities(client, taskQueue, 'workflow');
        const activity = await pollerIdentities(client, taskQueue, 'activity');
        return workflow.includes(identity) && activity.includes(identity);
      };
      while (!(await polls().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`the worker did not poll task queue ${taskQueue} in time`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), options.shutdownGraceMs + KILL_MARGIN_MS);
      const how = await exited;
      clearTimeout(kill);
      if (how !== 'code 0') throw new Error(`the worker process exited with ${how}`);
    },
  };
}
