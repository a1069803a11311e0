import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { call } from '../support/service';
import { createUserDueIn, nextDueMs, plannedDelivery, skipPast, withStack } from '../support/stack';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

test('POST /users, then on the birthday the real activity writes the ledger and the receiver gets exactly one POST', async () => {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 3);
    const dueMs = await nextDueMs(env, user.id);

    await skipPast(env, dueMs);
    const [request] = await receiver.waitForRequests(1);
    // Another day passes: still exactly one.
    await env.sleep('1 day');

    expect(receiver.requests).toHaveLength(1);
    expect(request!.body.message).toBe("Hey, Ada Lovelace it's your birthday");
    expect(request!.headers['idempotency-key']).toBe(request!.body.idempotencyKey);
    const [delivered, nextYear, ...more] = await deliveriesOf(db, user.id);
    expect(more).toEqual([]);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, lastError: null });
    expect(delivered!.scheduledAt.getTime()).toBe(dueMs);
    expect(delivered!.id).toBe(request!.body.deliveryId);
    // The workflow went on to next year, and armed it.
    const nextDue = await nextDueMs(env, user.id);
    expect(nextDue).toBeGreaterThan(dueMs + 360 * 24 * 3600 * 1000);
    expect(nextYear).toMatchObject({ status: 'scheduled', attempts: 0, occurrenceYear: delivered!.occurrenceYear + 1 });
    expect(nextYear!.scheduledAt.getTime()).toBe(nextDue);
  });
});

test('a retried POST /users for the same person creates another user, each with one workflow', async () => {
  await withStack(env, db, {}, async ({ api }) => {
    const first = await createUserDueIn(env, api, 5);
    const second = await createUserDueIn(env, api, 5);
    expect(second.id).not.toBe(first.id);
    for (const id of [first.id, second.id]) {
      const description = await env.client.workflow.getHandle(workflowIdFor(id, 'birthday')).describe();
      expect(description.status.name).toBe('RUNNING');
    }
  });
});

test('the receiver fails twice with 503, then succeeds: three attempts with one key, one delivery in the ledger', async () => {
  await withStack(env, db, { receiver: { statusFor: (n) => (n <= 2 ? 503 : 200) } }, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    await skipPast(env, await nextDueMs(env, user.id));
    // The retries' backoff (10 s, then 20 s) passes in skipped time.
    await env.sleep('1 day');
    const requests = receiver.requests;

    expect(receiver.requests).toHaveLength(3);
    expect(new Set(requests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    const [delivered, nextYear, ...more] = await deliveriesOf(db, user.id);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200 });
    expect(nextYear).toMatchObject({ status: 'scheduled', occurrenceYear: delivered!.occurrenceYear + 1 });
    expect(more).toEqual([]);
  });
});

test('the receiver rejects with 400: no retry, the ledger says failed, and next year is scheduled', async () => {
  await withStack(env, db, { receiver: { statusFor: () => 400 } }, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    const dueMs = await nextDueMs(env, user.id);
    await skipPast(env, dueMs);
    await receiver.waitForRequests(1);
    await env.sleep('1 day');

    expect(receiver.requests).toHaveLength(1);
    const [row] = await deliveriesOf(db, user.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 400 });
    expect(row!.lastError).toMatch(/HTTP 400/);
    expect(await nextDueMs(env, user.id)).toBeGreaterThan(dueMs + 360 * 24 * 3600 * 1000);
  });
});

test('the receiver fails for longer than the retry window: recorded as failed with the last answer, next year planned', async () => {
  await withStack(env, db, { receiver: { statusFor: () => 502 } }, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    const dueMs = await nextDueMs(env, user.id);
    await skipPast(env, dueMs);
    // Exponential backoff from 10 s up to an hour between attempts, for at most a day.
    await env.sleep('2 days');

    const attempts = receiver.requests.length;
    expect(attempts).toBeGreaterThan(10);
    const [row] = await deliveriesOf(db, user.id);
    expect(row).toMatchObject({ status: 'failed', attempts, responseStatus: 502 });
    expect(row!.lastError).toMatch(/HTTP 502/);
    expect(await nextDueMs(env, user.id)).toBeGreaterThan(dueMs + 360 * 24 * 3600 * 1000);
    // The gaps between attempts grow.
    const gaps = receiver.requests
      .slice(1)
      .map((request, index) => request.receivedAtMs - receiver.requests[index]!.receivedAtMs);
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]! * 10);
  });
});

test('a 429 with Retry-After is retried after the delay the receiver asked for', async () => {
  await withStack(
    env,
    db,
    {
      receiver: {
        statusFor: (n) => (n === 1 ? 429 : 200),
        headersFor: (n): Record<string, string> => (n === 1 ? { 'retry-after': '120' } : {}),
      },
    },
    async ({ api, receiver }) => {
      const user = await createUserDueIn(env, api, 2);
      await skipPast(env, await nextDueMs(env, user.id));
      await env.sleep('1 day');
      const requests = await receiver.waitForRequests(2);

      // The backoff alone would retry after 10 s; the receiver asked for 120 s.
      expect(requests[1]!.receivedAtMs - requests[0]!.receivedAtMs).toBeGreaterThanOrEqual(120_000);
      const [row] = await deliveriesOf(db, user.id);
      expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
    },
  );
});

test('DELETE /users/:id cancels the workflow and nothing is ever sent for that user', async () => {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    const dueMs = await nextDueMs(env, user.id);

    expect((await call(api.url, 'DELETE', `/users/${user.id}`)).status).toBe(204);
    await skipPast(env, dueMs);
    await env.sleep('1 day');

    const description = await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(receiver.requests).toHaveLength(0);
    // The row the plan armed for the year was cancelled in the DELETE's own transaction.
    expect(await deliveriesOf(db, user.id)).toMatchObject([
      { status: 'cancelled', attempts: 0, lastError: 'user deleted before delivery' },
    ]);
    expect((await call(api.url, 'GET', `/users/${user.id}`)).status).toBe(404);
    expect((await call(api.url, 'DELETE', `/users/${user.id}`)).status).toBe(404);
  });
});

test('a user deleted while Temporal could not be told is still never greeted: the activity checks Postgres', async () => {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    const dueMs = await nextDueMs(env, user.id);
    // The row is marked deleted but the workflow is not cancelled, as when DELETE could not reach Temporal.
    await db.user.update({ where: { id: user.id }, data: { deletedAt: new Date() } });

    await skipPast(env, dueMs);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    await handle.result();

    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(receiver.requests).toHaveLength(0);
    const ledger = await deliveriesOf(db, user.id);
    expect(ledger.map((row) => row.status)).toEqual(['cancelled']);
  });
});

test('PUT /users/:id moves the running timer to the new birthday and time zone', async () => {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 30);
    const before = await nextDueMs(env, user.id);
    const now = await env.currentTimeMs();
    const moved = personWithBirthdayIn(3, now, 'America/Los_Angeles');

    const updated = await call(api.url, 'PUT', `/users/${user.id}`, {
      ...moved,
      firstName: 'Grace',
      lastName: 'Hopper',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: user.id, birthday: moved.birthday, timezone: 'America/Los_Angeles' });

    const next = await plannedDelivery(env, user.id);
    expect(next.epochMs).toBeLessThan(before);
    expect(next.localDateTime).toMatch(/T09:00:00\.000-0[78]:00$/);
    expect(next.timezone).toBe('America/Los_Angeles');
    // The PUT answered with the workflow's new plan.
    expect(updated.body.nextDelivery).toMatchObject({ instant: next.instant, timezone: 'America/Los_Angeles' });

    await skipPast(env, next.epochMs);
    const [request] = await receiver.waitForRequests(1);
    // The message uses the name as it is at delivery time.
    expect(request!.body.message).toBe("Hey, Grace Hopper it's your birthday");
    expect(request!.body.scheduledAt).toBe(next.instant);
  });
});
