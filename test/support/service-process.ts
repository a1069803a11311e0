import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

/**
 * One of the service's entry points run as an operator runs it: a TypeScript file (`scripts/dev/start-all.ts`,
 * `src/worker/main.ts`) through tsx, or a compiled one (`dist/src/api/main.js`) with node alone, as the image does.
 */
export class ServiceProcess {
  output = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(script: string, env: NodeJS.ProcessEnv) {
    // Its own process group, so a "Ctrl-C" reaches every process of the run as it does in a terminal.
    const args = script.endsWith('.js') ? [script] : ['--import', 'tsx', script];
    this.child = spawn(process.execPath, args, {
      cwd: path.resolve(__dirname, '../..'),
      env,
      detached: true,
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitForOutput(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`did not see ${JSON.stringify(text)} in the output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  count(text: string): number {
    return this.output.split(text).length - 1;
  }

  /** Ctrl-C in a terminal: SIGINT to the whole process group. */
  async interrupt(): Promise<number | null> {
    process.kill(-this.child.pid!, 'SIGINT');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(-this.child.pid!, 'SIGKILL');
  }
}
