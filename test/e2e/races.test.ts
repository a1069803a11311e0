import { WebhookSigner } from '../../src/activities/webhook-signature';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createDeliveryActivities } from '../../src/activities';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { createTestWorker, TEST_WEBHOOK_SECRET } from '../support/environment';
import { silentLog } from '../support/silent-log';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { call, putBodyOf } from '../support/service';
import { createUserDueIn, nextDueMs, skipPast, withStack } from '../support/stack';
import { eventually } from '../support/real-time';
import { gate, startTestReceiver } from '../support/test-receiver';
import { untilRunExists } from '../support/runs-started';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

test('two concurrent POSTs with the same email: one 201, one 409, one live user and one workflow', async () => {
  await withStack(env, db, {}, async ({ api }) => {
    const person = {
      ...personWithBirthdayIn(10, await env.currentTimeMs(), 'Europe/Oslo'),
      email: `twin-${Date.now()}@example.com`,
    };
    const answers = await Promise.all([1, 2, 3].map(() => call(api.url, 'POST', '/users', person)));

    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409]);
    const conflict = answers.find((answer) => answer.status === 409)!;
    expect(conflict.body.error).toMatchObject({
      code: 'email_taken',
      details: [{ path: 'email', message: expect.any(String) }],
    });
    const rows = await db.user.findMany({ where: { email: person.email } });
    expect(rows).toHaveLength(1);
    const winner = answers.find((answer) => answer.status === 201)!.body.id;
    await untilRunExists(env.client, winner);
    expect((await env.client.workflow.getHandle(workflowIdFor(winner, 'birthday')).describe()).status.name).toBe(
      'RUNNING',
    );

    // Case does not make a different address.
    const shouting = await call(api.url, 'POST', '/users', { ...person, email: person.email.toUpperCase() });
    expect(shouting.status).toBe(409);
  });
});

test('a deleted user re-created with the same email is a new user with a new workflow', async () => {
  await withStack(env, db, {}, async ({ api }) => {
    const person = {
      ...personWithBirthdayIn(10, await env.currentTimeMs(), 'Europe/Oslo'),
      email: `again-${Date.now()}@example.com`,
    };
    const first = await call(api.url, 'POST', '/users', person);
    expect((await call(api.url, 'DELETE', `/users/${first.body.id}`)).status).toBe(204);
    const second = await call(api.url, 'POST', '/users', person);

    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    const describe = (id: string) => env.client.workflow.getHandle(workflowIdFor(id, 'birthday')).describe();
    await untilRunExists(env.client, second.body.id);
    await expect(env.client.workflow.getHandle(workflowIdFor(first.body.id, 'birthday')).result()).rejects.toThrow();
    expect((await describe(first.body.id)).status.name).toBe('CANCELLED');
    expect((await describe(second.body.id)).status.name).toBe('RUNNING');
  });
});

test('PUT and DELETE at once: the user ends deleted, no workflow keeps running, nothing is ever sent', async () => {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => createUserDueIn(env, api, 2)));
    const dueMs = await nextDueMs(env, users[0]!.id);

    const outcomes = await Promise.all(
      users.map(async (user) => {
        const fields = putBodyOf((await call(api.url, 'GET', `/users/${user.id}`)).body);
        const [put, del] = await Promise.all([
          call(api.url, 'PUT', `/users/${user.id}`, { ...fields, lastName: 'Changed' }),
          call(api.url, 'DELETE', `/users/${user.id}`),
        ]);
        return { put: put.status, del: del.status };
      }),
    );

    for (const outcome of outcomes) {
      expect(outcome.del).toBe(204);
      expect([200, 404]).toContain(outcome.put);
    }
    await skipPast(env, dueMs);
    await env.sleep('1 day');
    for (const user of users) {
      expect((await call(api.url, 'GET', `/users/${user.id}`)).status).toBe(404);
      const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
      expect(row.deletedAt).not.toBeNull();
      expect(row.liveEmail).toBeNull();
      const status = (await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).describe()).status.name;
      expect(status).not.toBe('RUNNING');
    }
    expect(receiver.requests).toHaveLength(0);
  });
});

test('DELETE while the delivery is in flight: that one POST, nothing after, and the ledger says cancelled', async () => {
  const hold = gate();
  await withStack(
    env,
    db,
    { receiver: { holdFor: (n) => (n === 1 ? hold.opened : undefined), statusFor: () => 500 } },
    async ({ api, receiver }) => {
      const user = await createUserDueIn(env, api, 2);
      await skipPast(env, await nextDueMs(env, user.id));
      await receiver.waitForRequests(1);

      // The receiver is holding the first POST: the user is deleted meanwhile, then the receiver fails it.
      expect((await call(api.url, 'DELETE', `/users/${user.id}`)).status).toBe(204);
      hold.release();
      // The run ends cancelled, so no attempt can ever follow. Waited for in real time, not with env.sleep: once the
      // run has ended before the held attempt answers, the time-skipping test server never skips time again (the
      // attempt's completion is refused as "Completed workflow" and its time lock is never released).
      const run = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
      await eventually(
        async () => ((await run.describe()).status.name === 'RUNNING' ? undefined : true),
        'the run to end',
      );
      const row = await eventually(
        async () => (await deliveriesOf(db, user.id)).find((delivery) => delivery.status !== 'sending'),
        'the attempt to record its answer',
      );

      expect((await run.describe()).status.name).toBe('CANCELLED');
      expect(receiver.requests).toHaveLength(1);
      expect(row).toMatchObject({ status: 'cancelled', attempts: 1, responseStatus: 500 });
    },
  );
});

test('the same delivery activity run twice at once: one POST, the other attempt backs off, the ledger has one row', async () => {
  const hold = gate();
  const receiver = await startTestReceiver({ holdFor: () => hold.opened });
  try {
    const user = await createUserRow(db, personWithBirthdayIn(0, Date.now(), 'UTC'));
    const activities = createDeliveryActivities({
      db,
      webhookUrl: receiver.url,
      webhookSigner: new WebhookSigner([TEST_WEBHOOK_SECRET]),
      webhookTimeoutMs: 10_000,
      maxLatenessMs: null,
      log: silentLog,
      metrics: createDeliveryMetrics(new Registry()),
    });
    const input = {
      userId: user.id,
      eventType: 'birthday' as const,
      occurrenceYear: 2031,
      occurrenceDate: '2031-01-01',
      scheduledAt: new Date().toISOString(),
      workflowId: 'test',
      runId: 'test',
    };

    const first = new MockActivityEnvironment().run(() => activities.deliverGreeting(input));
    await receiver.waitForRequests(1);
    const second = new MockActivityEnvironment().run(() => activities.deliverGreeting(input));
    await expect(second).rejects.toMatchObject({ type: 'DeliveryInFlight' });
    hold.release();
    await expect(first).resolves.toMatchObject({ outcome: 'delivered' });
    // A third attempt after the first finished finds the delivery done.
    await expect(new MockActivityEnvironment().run(() => activities.deliverGreeting(input))).resolves.toMatchObject({
      outcome: 'already-delivered',
    });

    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesOf(db, user.id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
  } finally {
    await receiver.close();
  }
});

test('two workers on one task queue: a burst of due birthdays is delivered exactly once each', async () => {
  await withStack(env, db, {}, async ({ api, receiver, taskQueue }) => {
    // A worker of its own connection, as a second process would have.
    const connection = await NativeConnection.connect({ address: env.address });
    const second = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url, connection });
    await second.runUntil(async () => {
      const users = await Promise.all(Array.from({ length: 12 }, () => createUserDueIn(env, api, 2)));
      await skipPast(env, await nextDueMs(env, users[0]!.id));
      await receiver.waitForRequests(users.length);
      await env.sleep('1 day');

      expect(receiver.requests).toHaveLength(users.length);
      const keys = receiver.requests.map((request) => request.headers['idempotency-key']);
      expect(new Set(keys).size).toBe(users.length);
      for (const user of users) {
        expect((await deliveriesOf(db, user.id)).map((row) => row.status)).toEqual(['delivered', 'scheduled']);
      }
    });
    await connection.close();
  });
});
