import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { postWebhook } from '../../src/activities/webhook-client';
import { WebhookSigner } from '../../src/activities/webhook-signature';
import { startLocalReceiver, type LocalReceiver } from '../../src/dev/webhook-receiver';
import { freePort } from '../support/free-port';

// Deliveries are signed per the Standard Webhooks specification, checked here with the specification's own library.

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ message: "Hey, Ada Lovelace it's your birthday" });
const at = new Date();

test('the headers verify with the secret, for exactly that id, body and time', () => {
  const key = secret();
  const headers = new WebhookSigner([key]).headers('birthday/user/2026', body, at);
  expect(headers['webhook-id']).toBe('birthday/user/2026');
  expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
  expect(new Webhook(key).verify(body, { ...headers })).toEqual(JSON.parse(body));
  expect(() => new Webhook(key).verify(`${body} `, { ...headers })).toThrow();
  expect(() => new Webhook(key).verify(body, { ...headers, 'webhook-id': 'birthday/user/2027' })).toThrow();
  expect(() => new Webhook(secret()).verify(body, { ...headers })).toThrow();
});

test('while a secret is rotated both sign, and a receiver with either one verifies', () => {
  const [old, next] = [secret(), secret()];
  const headers = new WebhookSigner([old, next]).headers('id-1', body, at);
  expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
  expect(new Webhook(old).verify(body, { ...headers })).toBeDefined();
  expect(new Webhook(next).verify(body, { ...headers })).toBeDefined();
});

describe('a delivery POSTed to the local receiver', () => {
  const key = secret();
  let receiver: LocalReceiver;
  beforeAll(async () => {
    receiver = await startLocalReceiver({ host: '127.0.0.1', port: await freePort(), secrets: [key], onDelivery() {} });
  });
  afterAll(() => receiver?.close());

  const post = (signer: WebhookSigner, idempotencyKey: string) =>
    postWebhook({ url: receiver.url, idempotencyKey, payload: { message: 'hi' }, signer, timeoutMs: 5_000 });

  test('signed with its secret is taken; signed with another is refused with 401 and not shown', async () => {
    expect(await post(new WebhookSigner([key]), 'k-1')).toMatchObject({ kind: 'answered', status: 200 });
    expect(await post(new WebhookSigner([secret()]), 'k-2')).toMatchObject({ kind: 'answered', status: 401 });
    expect(receiver.deliveries.map((delivery) => delivery.idempotencyKey)).toEqual(['k-1']);
  });
});

test('at most 500 characters of an answer are read, however long the receiver goes on', async () => {
  const http = await import('node:http');
  let sentBytes = 0;
  const endless = http.createServer((_request, response) => {
    response.writeHead(500, { 'content-type': 'text/plain' });
    const chunk = 'x'.repeat(64 * 1024);
    const pump = () => {
      // Up to 64 MiB: far more than anyone should read; the client stops after its excerpt.
      while (sentBytes < 64 * 1024 * 1024 && response.write(chunk)) sentBytes += chunk.length;
      if (sentBytes < 64 * 1024 * 1024) response.once('drain', pump);
      else response.end();
    };
    pump();
    response.on('close', () => undefined);
  });
  await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
  const { port } = endless.address() as { port: number };
  try {
    const answer = await postWebhook({
      url: `http://127.0.0.1:${port}/`,
      idempotencyKey: 'k',
      payload: {},
      signer: new WebhookSigner([secret()]),
      timeoutMs: 5_000,
    });
    expect(answer).toMatchObject({ kind: 'answered', status: 500 });
    expect(answer.kind === 'answered' && answer.bodyExcerpt).toBe('x'.repeat(500));
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
  } finally {
    endless.closeAllConnections();
    await new Promise((resolve) => endless.close(resolve));
  }
});
