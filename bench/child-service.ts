import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { sleep } from './stats';

/** A process of the stack the bench started: `npm start`, `npm run temporal-server`, `npm run worker`. */
export interface ChildService {
  name: string;
  pid: number;
  logFile: string;
  /** The tail of what it printed (stdout and stderr), for failure messages. */
  output(): string;
  hasExited(): boolean;
  /** SIGINT (see `interrupt`) and waits, SIGKILL after 90 s; says so when it did not exit 0. */
  stop(): Promise<void>;
  /** SIGKILL to its whole process group, as a crash or `kill -9` would: nothing of it gets to clean up. */
  crash(): Promise<void>;
}

const STOP_TIMEOUT_MS = 90_000;

export interface SpawnServiceOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /**
   * `group` (default): stopping it is a Ctrl-C to every process it started, as in a terminal. `leader`: only to it,
   * for one that stops its children in an order of its own (a server before its database); what it leaves is killed.
   */
  interrupt?: 'group' | 'leader';
  /** Add to `logFile` instead of starting it afresh (a process that takes the place of a crashed one). */
  append?: boolean;
}

/** Runs `node <args>` from `cwd` in a process group of its own. Everything it prints goes to `logFile`. */
export function spawnService(name: string, args: string[], options: SpawnServiceOptions): ChildService {
  const log = createWriteStream(options.logFile, { flags: options.append ? 'a' : 'w' });
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    // Only the start matters (the ready line) and the tail (why it failed): keep a bounded window.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    if (!hasExited()) {
      process.kill(options.interrupt === 'leader' ? child.pid! : -child.pid!, 'SIGINT');
      // A timer cleared once the process exits: a caller that lives on (a Jest test) is not held up for 90 s.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)));
      const how = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (how === 'timeout') {
        console.error(`${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT: killing it`);
        process.kill(-child.pid!, 'SIGKILL');
      }
    }
    const how = await exited;
    if (options.interrupt === 'leader') killLeftovers(child.pid!);
    if (how !== '0') console.error(`${name} exited with ${how} (log: ${options.logFile})`);
    await new Promise((resolve) => log.end(resolve));
  };
  return {
    name,
    pid: child.pid!,
    logFile: options.logFile,
    output: () => output,
    hasExited,
    stop: () => (stopping ??= stop()),
    crash: async () => {
      if (!hasExited()) process.kill(-child.pid!, 'SIGKILL');
      await exited;
      await new Promise((resolve) => log.end(resolve));
    },
  };
}

function killLeftovers(groupId: number): void {
  try {
    process.kill(-groupId, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left, as it should be.
  }
}

/** Waits until the service printed `text`; fails with the tail of its output if it exits first or time runs out. */
export async function untilPrinted(service: ChildService, text: string, deadlineMs: number): Promise<void> {
  await until(service, () => Promise.resolve(service.output().includes(text)), deadlineMs, `print "${text}"`);
}

/** Polls `ready` every 250 ms until it holds; fails with the service's output if it exits first or time runs out. */
export async function until(
  service: ChildService,
  ready: () => Promise<boolean>,
  deadlineMs: number,
  what: string,
): Promise<void> {
  while (!(await ready())) {
    if (service.hasExited() || Date.now() > deadlineMs) {
      const why = service.hasExited() ? 'exited' : 'timed out';
      throw new Error(`${service.name} ${why} before it did ${what}; it printed:\n${service.output().slice(-4_000)}`);
    }
    await sleep(250);
  }
}
