import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { eventTypeSearchAttribute, nextDeliverySearchAttribute } from '../../src/workflows/definitions';
import { deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { call, putBodyOf } from '../support/service';
import { nextDueMs, plannedDelivery, skipPast, withStack, type Stack } from '../support/stack';
import { useTimeSkippingServer } from '../support/time-skipping-server';

// A user with a birthday and an anniversary: two workflows, two greetings a year, each once, each its own ledger row.
let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

const DAY_MS = 24 * 3_600_000;
const ZONE = 'America/New_York';

/** A user whose birthday is `birthdayIn` days ahead and whose anniversary (if given) `anniversaryIn` days ahead. */
async function createUser(stack: Stack, birthdayIn: number, anniversaryIn?: number) {
  const nowMs = await env.currentTimeMs();
  const person = personWithBirthdayIn(birthdayIn, nowMs, ZONE);
  const anniversary =
    anniversaryIn === undefined
      ? {}
      : { anniversary: localDateIn(anniversaryIn, nowMs).set({ year: 2015 }).toISODate() };
  const created = await call(stack.api.url, 'POST', '/users', { ...person, ...anniversary });
  expect(created.status).toBe(201);
  return created.body as { id: string; birthday: string; anniversary: string | null };
}

function localDateIn(days: number, nowMs: number): DateTime {
  return DateTime.fromMillis(nowMs, { zone: ZONE }).plus({ days });
}

async function put(stack: Stack, userId: string, fields: Record<string, unknown>) {
  const current = (await call(stack.api.url, 'GET', `/users/${userId}`)).body;
  return call(stack.api.url, 'PUT', `/users/${userId}`, { ...putBodyOf(current), ...fields });
}

async function statusOf(userId: string, eventType: 'birthday' | 'anniversary'): Promise<string> {
  return (await env.client.workflow.getHandle(workflowIdFor(userId, eventType)).describe()).status.name;
}

/**
 * Waits (in real time: awaiting a result would let the test server skip time) for the run to close, then tells how
 * it ended.
 */
async function closedStatusOf(userId: string, eventType: 'birthday' | 'anniversary'): Promise<string> {
  return eventually(async () => {
    const status = await statusOf(userId, eventType);
    return status === 'RUNNING' ? undefined : status;
  }, `the ${eventType} run of user ${userId} to close`);
}

test('a birthday and an anniversary: two greetings at 09:00 local, each once, with its message, eventType and key', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 3, 6);
    expect(user.anniversary).toMatch(/^2015-/);
    const birthdayDue = await nextDueMs(env, user.id, 'birthday');
    const anniversary = await plannedDelivery(env, user.id, 'anniversary');
    expect(anniversary).toMatchObject({
      eventType: 'anniversary',
      localDate: user.anniversary!.replace('2015', String(anniversary.year)),
    });
    expect(DateTime.fromMillis(anniversary.epochMs, { zone: ZONE }).toFormat('HH:mm')).toBe('09:00');
    expect(anniversary.epochMs - birthdayDue).toBeGreaterThan(2 * DAY_MS);

    await skipPast(env, anniversary.epochMs);
    await stack.receiver.waitForRequests(2);
    await env.sleep('2 days');

    const bodies = stack.receiver.requests.map((request) => request.body);
    expect(bodies).toHaveLength(2);
    expect(bodies.map((body) => [body.eventType, body.message])).toEqual([
      ['birthday', "Hey, Ada Lovelace it's your birthday"],
      ['anniversary', 'Hey, Ada Lovelace happy anniversary'],
    ]);
    const keys = stack.receiver.requests.map((request) => request.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    expect(keys[1]).toBe(`anniversary-${anniversary.year}-${user.id}`);
    // Each run went on to its next year, and armed it.
    const nextAnniversary = await nextDueMs(env, user.id, 'anniversary');
    const nextBirthday = await nextDueMs(env, user.id, 'birthday');
    expect(nextAnniversary).toBeGreaterThan(anniversary.epochMs + 360 * DAY_MS);
    expect(nextBirthday).toBeGreaterThan(birthdayDue + 360 * DAY_MS);
    const ledger = await deliveriesOf(db, user.id);
    expect(ledger.map((row) => [row.eventType, row.status, row.scheduledAt.getTime()]).sort()).toEqual(
      [
        ['anniversary', 'delivered', anniversary.epochMs],
        ['anniversary', 'scheduled', nextAnniversary],
        ['birthday', 'delivered', birthdayDue],
        ['birthday', 'scheduled', nextBirthday],
      ].sort(),
    );
  });
});

test('the anniversary run has its own summary and search attributes for the Web UI', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 3, 6);
    const next = await plannedDelivery(env, user.id, 'anniversary');
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'anniversary'));

    const described = await handle.describe();
    expect(await described.staticSummary()).toBe(`anniversary greetings for user ${user.id}`);
    expect(described.typedSearchAttributes.get(eventTypeSearchAttribute)).toBe('anniversary');
    expect(described.typedSearchAttributes.get(nextDeliverySearchAttribute)?.toISOString()).toBe(next.instant);
  });
});

test('GET next-delivery answers per event type; a user without an anniversary gets 404 event_not_set', async () => {
  await withStack(env, db, {}, async (stack) => {
    const withBoth = await createUser(stack, 3, 6);
    const birthdayOnly = await createUser(stack, 3);

    const plain = await call(stack.api.url, 'GET', `/users/${withBoth.id}/next-delivery`);
    const anniversary = await call(stack.api.url, 'GET', `/users/${withBoth.id}/next-delivery?eventType=anniversary`);
    const missing = await call(stack.api.url, 'GET', `/users/${birthdayOnly.id}/next-delivery?eventType=anniversary`);
    const unknown = await call(stack.api.url, 'GET', `/users/${withBoth.id}/next-delivery?eventType=wedding`);

    expect(plain).toMatchObject({ status: 200, body: { eventType: 'birthday' } });
    expect(anniversary).toMatchObject({ status: 200, body: { eventType: 'anniversary' } });
    expect(anniversary.body.occurrenceDate.slice(5)).toBe(withBoth.anniversary!.slice(5));
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'event_not_set' } } });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    await expect(
      env.client.workflow.getHandle(workflowIdFor(birthdayOnly.id, 'anniversary')).describe(),
    ).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  });
});

test('an anniversary added by PUT starts its workflow and is greeted; one changed is re-planned', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 20);
    const nowMs = await env.currentTimeMs();

    const added = await put(stack, user.id, { anniversary: localDateIn(4, nowMs).set({ year: 2010 }).toISODate() });
    expect(added.status).toBe(200);
    expect(added.body.anniversary).toMatch(/^2010-/);
    expect(await statusOf(user.id, 'anniversary')).toBe('RUNNING');
    const firstDue = await nextDueMs(env, user.id, 'anniversary');

    await put(stack, user.id, { anniversary: localDateIn(2, nowMs).set({ year: 2010 }).toISODate() });
    const movedDue = await nextDueMs(env, user.id, 'anniversary');
    expect(movedDue).toBe(firstDue - 2 * DAY_MS);

    await skipPast(env, firstDue);
    await env.sleep('1 day');
    expect(stack.receiver.requests.map((request) => request.body.eventType)).toEqual(['anniversary']);
    expect(stack.receiver.requests[0]!.receivedAtMs).toBeLessThan(firstDue);
  });
});

test('an anniversary removed (null) ends its workflow and cancels its pending row; the birthday goes on', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 5, 2);
    const anniversary = await plannedDelivery(env, user.id, 'anniversary');
    // The armed row, as an attempt that failed and waits for its retry leaves it.
    const pending = await db.delivery.update({
      where: {
        userId_eventType_occurrenceYear: {
          userId: user.id,
          eventType: 'anniversary',
          occurrenceYear: anniversary.year,
        },
      },
      data: { status: 'pending', attempts: 1 },
    });

    const removed = await put(stack, user.id, { anniversary: null });

    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ anniversary: null, nextDelivery: { eventType: 'birthday' } });
    expect(await closedStatusOf(user.id, 'anniversary')).toBe('CANCELLED');
    expect(await db.delivery.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
      status: 'cancelled',
      lastError: 'event removed from the user before delivery',
    });
    await skipPast(env, await nextDueMs(env, user.id, 'birthday'));
    await stack.receiver.waitForRequests(1);
    await env.sleep('1 day');
    expect(stack.receiver.requests.map((request) => request.body.eventType)).toEqual(['birthday']);
    expect(await statusOf(user.id, 'birthday')).toBe('RUNNING');
  });
});

test('DELETE ends both workflows', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 3, 6);
    await nextDueMs(env, user.id, 'anniversary');

    expect((await call(stack.api.url, 'DELETE', `/users/${user.id}`)).status).toBe(204);

    expect(await closedStatusOf(user.id, 'birthday')).toBe('CANCELLED');
    expect(await closedStatusOf(user.id, 'anniversary')).toBe('CANCELLED');
    await env.sleep('10 days');
    expect(stack.receiver.requests).toHaveLength(0);
  });
});

test('pause skips both events; resume plans both again', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 2, 4);
    const anniversaryDue = await nextDueMs(env, user.id, 'anniversary');

    expect((await call(stack.api.url, 'POST', `/users/${user.id}/pause`, { reason: 'away' })).status).toBe(200);
    await skipPast(env, anniversaryDue);
    await env.sleep('1 day');
    expect(stack.receiver.requests).toHaveLength(0);
    const ledger = await deliveriesOf(db, user.id);
    expect(ledger.map((row) => [row.eventType, row.status, row.lastError]).sort()).toEqual([
      ['anniversary', 'skipped', 'paused: away'],
      ['birthday', 'skipped', 'paused: away'],
    ]);

    // Resumed: next year both are greeted again.
    expect((await call(stack.api.url, 'POST', `/users/${user.id}/resume`)).status).toBe(200);
    await skipPast(env, anniversaryDue + 366 * DAY_MS);
    await stack.receiver.waitForRequests(2);
    expect(stack.receiver.requests.map((request) => request.body.eventType).sort()).toEqual([
      'anniversary',
      'birthday',
    ]);
  });
});

test('GET deliveries filters by eventType', async () => {
  await withStack(env, db, {}, async (stack) => {
    const user = await createUser(stack, 2, 3);
    await skipPast(env, await nextDueMs(env, user.id, 'anniversary'));
    await stack.receiver.waitForRequests(2);
    // Each run arms next year after its delivery is recorded, a moment after the receiver saw the POST.
    await eventually(
      async () => ((await deliveriesOf(db, user.id)).length === 4 ? true : undefined),
      'next years armed',
    );

    const all = await call(stack.api.url, 'GET', `/users/${user.id}/deliveries`);
    const anniversaries = await call(stack.api.url, 'GET', `/users/${user.id}/deliveries?eventType=anniversary`);
    const unknown = await call(stack.api.url, 'GET', `/users/${user.id}/deliveries?eventType=wedding`);

    // This year's two deliveries, and next year's two armed rows.
    const pairs = (items: { eventType: string; status: string }[]) =>
      items.map((item) => `${item.eventType} ${item.status}`).sort();
    expect(pairs(all.body.items)).toEqual([
      'anniversary delivered',
      'anniversary scheduled',
      'birthday delivered',
      'birthday scheduled',
    ]);
    expect(pairs(anniversaries.body.items)).toEqual(['anniversary delivered', 'anniversary scheduled']);
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });
});
