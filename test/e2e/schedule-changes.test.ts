import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { changeScheduleUpdate, FailureType } from '../../src/workflows/definitions';
import { deliveriesOf, localDate, zoneWithLocalHour } from '../support/fixtures';
import { call, putBodyOf } from '../support/service';
import { eventually } from '../support/real-time';
import { createUserDueIn, nextDueMs, plannedDelivery, skipPast, withStack, type Stack } from '../support/stack';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

const HOUR_MS = 3_600_000;

/** A person whose birthday is today in a zone where it is `localHour` o'clock now. */
async function bornTodayWhereItIs(localHour: number) {
  const nowMs = await env.currentTimeMs();
  const timezone = zoneWithLocalHour(nowMs, localHour);
  return { firstName: 'Ada', lastName: 'Lovelace', birthday: `1990-${localDate(nowMs, timezone).slice(5)}`, timezone };
}

/** The user's ledger as (year, status) pairs, oldest first. */
async function yearsOf(userId: string): Promise<[number, string][]> {
  return (await deliveriesOf(db, userId)).map((row) => [row.occurrenceYear, row.status]);
}

async function put(stack: Stack, userId: string, fields: Record<string, unknown>) {
  const current = (await call(stack.api.url, 'GET', `/users/${userId}`)).body;
  return call(stack.api.url, 'PUT', `/users/${userId}`, { ...putBodyOf(current), ...fields });
}

describe('created on the birthday itself', () => {
  test('before 09:00 local: greeted today at 09:00', async () => {
    await withStack(env, db, {}, async ({ api, receiver }) => {
      const person = await bornTodayWhereItIs(5);
      const created = await call(api.url, 'POST', '/users', person);
      const dueMs = await nextDueMs(env, created.body.id);

      const nowMs = await env.currentTimeMs();
      expect(dueMs - nowMs).toBeGreaterThan(3 * HOUR_MS);
      expect(dueMs - nowMs).toBeLessThanOrEqual(4 * HOUR_MS);
      await skipPast(env, dueMs);
      await receiver.waitForRequests(1);
      // The receiver sees the POST before the worker settles the row on its answer: wait for the settle.
      const settled = await eventually(async () => {
        const [row] = await deliveriesOf(db, created.body.id);
        return row?.status === 'delivered' ? row : undefined;
      }, 'the delivery to be settled');
      expect(settled).toMatchObject({
        occurrenceYear: DateTime.fromMillis(nowMs, { zone: person.timezone }).year,
      });
    });
  });

  test('after 09:00 local: greeted next year, nothing today', async () => {
    await withStack(env, db, {}, async ({ api, receiver }) => {
      const person = await bornTodayWhereItIs(12);
      const created = await call(api.url, 'POST', '/users', person);
      const next = await plannedDelivery(env, created.body.id);

      const nowMs = await env.currentTimeMs();
      expect(next.year).toBe(DateTime.fromMillis(nowMs, { zone: person.timezone }).year + 1);
      await env.sleep('2 days');
      expect(receiver.requests).toHaveLength(0);
    });
  });
});

describe('a schedule change reaches the sleeping workflow through an Update', () => {
  test('a later date moves the timer later: nothing is sent at the old time, once at the new one', async () => {
    await withStack(env, db, {}, async (stack) => {
      const user = await createUserDueIn(env, stack.api, 3);
      const oldDueMs = await nextDueMs(env, user.id);
      const later = DateTime.fromISO(user.birthday).plus({ days: 10 }).toISODate()!;

      const updated = await put(stack, user.id, { birthday: later });
      expect(updated.status).toBe(200);
      expect(Date.parse(updated.body.nextDelivery.instant)).toBe(oldDueMs + 10 * 24 * HOUR_MS);

      await skipPast(env, oldDueMs);
      await env.sleep('1 day');
      expect(stack.receiver.requests).toHaveLength(0);
      await skipPast(env, oldDueMs + 10 * 24 * HOUR_MS);
      await stack.receiver.waitForRequests(1);
      await env.sleep('1 day');
      expect(stack.receiver.requests).toHaveLength(1);
    });
  });

  test("a change after this year's delivery never causes a second delivery that year", async () => {
    await withStack(env, db, {}, async (stack) => {
      const person = await bornTodayWhereItIs(5);
      const created = await call(stack.api.url, 'POST', '/users', person);
      const userId = created.body.id as string;
      await skipPast(env, await nextDueMs(env, userId));
      await stack.receiver.waitForRequests(1);

      // Same date, in a zone where 09:00 today is still hours away: without the guard it would be due again today.
      const nowMs = await env.currentTimeMs();
      const updated = await put(stack, userId, { timezone: zoneWithLocalHour(nowMs, 2) });
      expect(updated.status).toBe(200);
      const thisYear = DateTime.fromMillis(nowMs, { zone: person.timezone }).year;
      expect(updated.body.nextDelivery.year).toBe(thisYear + 1);

      await env.sleep('2 days');
      expect(stack.receiver.requests).toHaveLength(1);
      expect(await yearsOf(userId)).toEqual([
        [thisYear, 'delivered'],
        [thisYear + 1, 'scheduled'],
      ]);
    });
  });

  test('a date moved from already passed to later this year is delivered this year when nothing was yet', async () => {
    await withStack(env, db, {}, async (stack) => {
      const person = await bornTodayWhereItIs(12);
      const created = await call(stack.api.url, 'POST', '/users', person);
      const userId = created.body.id as string;
      const nowMs = await env.currentTimeMs();
      const thisYear = DateTime.fromMillis(nowMs, { zone: person.timezone }).year;
      expect((await plannedDelivery(env, userId)).year).toBe(thisYear + 1);

      // Today in a zone where it is 05:00: 09:00 there is still ahead, the same day and year.
      const timezone = zoneWithLocalHour(nowMs, 5);
      const updated = await put(stack, userId, { timezone, birthday: `1990-${localDate(nowMs, timezone).slice(5)}` });
      expect(updated.status).toBe(200);
      expect(updated.body.nextDelivery.year).toBe(thisYear);

      await skipPast(env, Date.parse(updated.body.nextDelivery.instant));
      await stack.receiver.waitForRequests(1);
      // Delivered this year, then next year armed: once each.
      const settled = await eventually(async () => {
        const years = await yearsOf(userId);
        return years.length === 2 ? years : undefined;
      }, 'next year to be armed');
      expect(settled).toEqual([
        [thisYear, 'delivered'],
        [thisYear + 1, 'scheduled'],
      ]);
    });
  });

  test('the workflow validator refuses a schedule it cannot plan, and the plan stays as it was', async () => {
    await withStack(env, db, {}, async (stack) => {
      const user = await createUserDueIn(env, stack.api, 3);
      const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
      // The plan as the API reads it (the run's start plan while it waits in its start delay).
      const before = await plannedDelivery(env, user.id);

      for (const schedule of [
        { date: '1990-02-30', timezone: 'UTC' },
        { date: '1990-03-01', timezone: 'Mars/Olympus' },
      ]) {
        const refused = handle.executeUpdate(changeScheduleUpdate, { args: [schedule] });
        await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
        // Typed, so the API tells a refusal from a failure of the change itself (a deleted user).
        await expect(refused).rejects.toMatchObject({ cause: { type: FailureType.InvalidUpdate } });
      }
      expect(await plannedDelivery(env, user.id)).toEqual(before);
      // A rejected update leaves no trace in the history.
      const history = await handle.fetchHistory();
      expect(history.events?.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    });
  });
});

describe('GET /users/:id/next-delivery', () => {
  test('answers the instant in UTC and local time, read from the workflow', async () => {
    await withStack(env, db, {}, async ({ api }) => {
      const user = await createUserDueIn(env, api, 4, 'Asia/Kathmandu');
      const response = await call(api.url, 'GET', `/users/${user.id}/next-delivery`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        eventType: 'birthday',
        occurrenceYear: expect.any(Number),
        occurrenceDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        timezone: 'Asia/Kathmandu',
        instant: new Date(await nextDueMs(env, user.id)).toISOString(),
        localDateTime: expect.stringMatching(/T09:00:00\.000\+05:45$/),
      });
      expect((await call(api.url, 'GET', '/users/00000000-0000-4000-8000-000000000000/next-delivery')).status).toBe(
        404,
      );
    });
  });
});

describe('POST /users/:id/deliveries/:deliveryId/retry', () => {
  test('re-drives a failed delivery once; the key is the same and a delivered one cannot be retried', async () => {
    await withStack(env, db, { receiver: { statusFor: (n) => (n === 1 ? 400 : 200) } }, async ({ api, receiver }) => {
      const user = await createUserDueIn(env, api, 2);
      await skipPast(env, await nextDueMs(env, user.id));
      await receiver.waitForRequests(1);
      await env.sleep('1 hour');
      const [failed] = await deliveriesOf(db, user.id);
      expect(failed).toMatchObject({ status: 'failed', responseStatus: 400 });

      const retry = await call(api.url, 'POST', `/users/${user.id}/deliveries/${failed!.id}/retry`);
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({
        deliveryId: failed!.id,
        occurrenceYear: failed!.occurrenceYear,
        status: 'accepted',
      });
      await receiver.waitForRequests(2);
      await env.sleep('1 hour');

      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests[1]!.headers['idempotency-key']).toBe(receiver.requests[0]!.headers['idempotency-key']);
      const [delivered] = await deliveriesOf(db, user.id);
      expect(delivered).toMatchObject({ id: failed!.id, status: 'delivered', attempts: 2, responseStatus: 200 });

      const again = await call(api.url, 'POST', `/users/${user.id}/deliveries/${failed!.id}/retry`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('delivery_not_retryable');
      const unknown = await call(
        api.url,
        'POST',
        `/users/${user.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('delivery_not_found');
      expect((await call(api.url, 'POST', `/users/${user.id}/deliveries/nope/retry`)).status).toBe(400);
      await env.sleep('1 hour');
      expect(receiver.requests).toHaveLength(2);
    });
  });
});
