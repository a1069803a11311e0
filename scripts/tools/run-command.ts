import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ToolEnv } from './tool-paths';

export interface CommandResult {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, only the last {@link OUTPUT_LIMIT} characters. */
  output: string;
}

const OUTPUT_LIMIT = 64 * 1024;

export interface RunOptions {
  env: ToolEnv;
  cwd?: string;
  /** Called every `heartbeatMs` while the command runs, so a long build shows it is alive. */
  onHeartbeat?: (elapsedMs: number) => void;
  heartbeatMs?: number;
}

/** Runs a program to completion without a shell; rejects only when it cannot be started at all. */
export function runCommand(command: string, args: readonly string[], options: RunOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const started = Date.now();
    const heartbeat = options.onHeartbeat
      ? setInterval(() => options.onHeartbeat?.(Date.now() - started), options.heartbeatMs ?? 30_000)
      : undefined;
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      resolve({ code, signal, output });
    });
  });
}

/** The last `count` non-empty lines of a command's output, indented and without colour codes, for an error message. */
export function lastLines(output: string, count = 15): string {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const lines = plain.split('\n').filter((line) => line.trim() !== '');
  return lines
    .slice(-count)
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Absolute path of the first executable file called `name` in the PATH of `env`, like `command -v`. */
export async function findOnPath(name: string, env: ToolEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `2m05s`, `41s`: durations in progress lines. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(seconds < 10 ? 1 : 0)}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
