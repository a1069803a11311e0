import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../support/free-port';
import { commandOf } from '../support/package-scripts';

/** The `receiver` script's command, as the Docker Compose stack runs it: a real process, spoken to over real HTTP. */
class ReceiverProcess {
  output = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    const [program, ...args] = commandOf('receiver');
    this.child = spawn(program!, args, {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, ...env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async waitForOutput(text: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`did not see ${JSON.stringify(text)} in the output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What `docker compose stop` sends. */
  async terminate(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function postDelivery(url: string, idempotencyKey: string, message: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ message, scheduledAt: '2026-12-10T09:00:00.000Z' }),
  });
}

let running: ReceiverProcess | undefined;

afterEach(() => running?.kill());

test('the receiver listens on its settings, prints each delivery, flags a repeated key, stops on SIGTERM', async () => {
  const port = await freePort();
  running = new ReceiverProcess({ HOST: '127.0.0.1', WEBHOOK_RECEIVER_PORT: String(port) });
  await running.waitForOutput(`webhook receiver listening on 127.0.0.1:${port}`);
  const url = `http://127.0.0.1:${port}/deliveries`;

  const first = await postDelivery(url, 'birthday-2026-ada', "Hey, Ada Lovelace it's your birthday");
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ received: true, repeat: false });
  await running.waitForOutput("message:         Hey, Ada Lovelace it's your birthday");
  expect(running.output).toContain('idempotency key: birthday-2026-ada');

  const again = await postDelivery(url, 'birthday-2026-ada', "Hey, Ada Lovelace it's your birthday");
  expect(await again.json()).toEqual({ received: true, repeat: true });
  await running.waitForOutput('repeat of an earlier delivery, same Idempotency-Key');

  const listed = (await (await fetch(url)).json()) as { idempotencyKey: string; repeat: boolean }[];
  expect(listed.map(({ idempotencyKey, repeat }) => ({ idempotencyKey, repeat }))).toEqual([
    { idempotencyKey: 'birthday-2026-ada', repeat: false },
    { idempotencyKey: 'birthday-2026-ada', repeat: true },
  ]);

  expect(await running.terminate()).toBe(0);
});

test('the receiver refuses a bad WEBHOOK_RECEIVER_PORT and names it', async () => {
  running = new ReceiverProcess({ WEBHOOK_RECEIVER_PORT: 'eighty' });
  expect(await running.exited).not.toBe(0);
  expect(running.output).toContain('WEBHOOK_RECEIVER_PORT:');
});
