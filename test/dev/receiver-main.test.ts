import { WebhookSigner } from '../../src/activities/webhook-signature';
import { TEST_WEBHOOK_SECRET } from '../support/environment';
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

/** A delivery as the worker sends it, signed with `secret` (the receiver's own unless said otherwise). */
function postDelivery(url: string, idempotencyKey: string, message: string, secret = TEST_WEBHOOK_SECRET) {
  const body = JSON.stringify({ message, scheduledAt: '2026-12-10T09:00:00.000Z' });
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
      ...new WebhookSigner([secret]).headers(idempotencyKey, body, new Date()),
    },
    body,
  });
}

const OTHER_SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

let running: ReceiverProcess | undefined;

afterEach(() => running?.kill());

test('the receiver listens on its settings, prints each delivery, flags a repeated key, stops on SIGTERM', async () => {
  const port = await freePort();
  running = new ReceiverProcess({
    HOST: '127.0.0.1',
    WEBHOOK_RECEIVER_PORT: String(port),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  });
  await running.waitForOutput(`webhook receiver listening on 127.0.0.1:${port}`);
  const url = `http://127.0.0.1:${port}/deliveries`;

  // Signed with a secret it does not hold, or not signed: refused, not shown.
  const forged = await postDelivery(url, 'birthday-2026-eve', 'forged', OTHER_SECRET);
  expect(forged.status).toBe(401);
  const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(unsigned.status).toBe(401);

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

test('the receiver does not start without WEBHOOK_SECRET', async () => {
  running = new ReceiverProcess({ WEBHOOK_RECEIVER_PORT: String(await freePort()), WEBHOOK_SECRET: '' });
  expect(await running.exited).not.toBe(0);
  expect(running.output).toContain('WEBHOOK_SECRET must be set');
});

test('the receiver refuses a bad WEBHOOK_RECEIVER_PORT and names it', async () => {
  running = new ReceiverProcess({ WEBHOOK_RECEIVER_PORT: 'eighty', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
  expect(await running.exited).not.toBe(0);
  expect(running.output).toContain('WEBHOOK_RECEIVER_PORT:');
});
