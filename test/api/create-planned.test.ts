import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import type { RunningHttpServer } from '../../src/http/http-server';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { nextDeliverySearchAttribute, scheduleStateQuery } from '../../src/workflows/definitions';
import { createTestWorker, startDevServer, uniqueTaskQueue } from '../support/environment';
import { dueSoon, eventually, sleep } from '../support/real-time';
import { deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { AUTHORIZATION, call, startApi } from '../support/service';
import { startTestReceiver } from '../support/test-receiver';
import { useTimeSkippingServer } from '../support/time-skipping-server';
import { untilRunsStarted } from '../support/runs-started';

// Issue 21, §1: a create is planned before its 201. The API computes the first occurrence with the row it writes,
// arms it in the same transaction and starts the run with it, so nothing waits for a worker: here no worker polls
// until the test starts one.

let env: TestWorkflowEnvironment;
let db: Db;
useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

async function withApi(taskQueue: string, body: (api: RunningHttpServer) => Promise<void>): Promise<void> {
  const api = await startApi(env, { db, taskQueue });
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

const handleOf = (userId: string, eventType: 'birthday' | 'anniversary' = 'birthday') =>
  env.client.workflow.getHandle(workflowIdFor(userId, eventType));

/** The local activities a run's history has recorded (a plan made by the run itself is one). */
async function localActivitiesOf(userId: string): Promise<number> {
  const { events } = await handleOf(userId).fetchHistory();
  return (events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .length;
}

test('the 201 carries the first plan, armed in the ledger and shown by next-delivery, with no worker polling', async () => {
  const taskQueue = uniqueTaskQueue('create-planned');
  await withApi(taskQueue, async (api) => {
    const nowMs = Date.now();
    const person = { ...personWithBirthdayIn(10, nowMs, 'Asia/Kathmandu'), anniversary: '2015-01-20' };
    const expected = (date: string) =>
      nextOccurrence({ date, timezone: 'Asia/Kathmandu', deliveryTime: '09:00', nowMs });

    const created = await call(api.url, 'POST', '/users', person);
    expect(created.status).toBe(201);
    const birthday = expected(person.birthday);
    expect(created.body.nextDelivery).toEqual({ ...birthday, eventType: 'birthday', timezone: 'Asia/Kathmandu' });

    // Both events armed with the row; each run started with its plan and listed by it.
    const anniversary = expected(person.anniversary);
    const ledger = await deliveriesOf(db, created.body.id);
    expect(ledger.map((row) => [row.eventType, row.status, row.occurrenceYear, row.scheduledAt.toISOString()])).toEqual(
      expect.arrayContaining([
        ['birthday', 'scheduled', birthday.year, birthday.instant],
        ['anniversary', 'scheduled', anniversary.year, anniversary.instant],
      ]),
    );
    expect(ledger).toHaveLength(2);
    // Each run starts with its plan after the 201, listed by it, and waits in a start delay until one to two hours
    // before its instant: its whole history is its start.
    await untilRunsStarted(db, created.body.id);
    for (const [eventType, plan] of [
      ['birthday', birthday],
      ['anniversary', anniversary],
    ] as const) {
      const description = await handleOf(created.body.id, eventType).describe();
      expect(description.typedSearchAttributes.get(nextDeliverySearchAttribute)).toEqual(new Date(plan.instant));
      expect(description.historyLength).toBe(1);
      // What the Web UI shows of a run that has not woken: its plan at the start, and when it wakes.
      const details = await description.staticDetails();
      expect(details).toContain(`| Due (UTC) | ${plan.instant} |`);
      expect(details).toContain(`| Due (local) | ${plan.localDate} 09:00 Asia/Kathmandu |`);
      expect(details).toMatch(/\| Wakes at \| \S+Z \|/);
      const wakesBeforeMs = plan.epochMs - description.executionTime!.getTime();
      expect(wakesBeforeMs).toBeGreaterThanOrEqual(3_600_000);
      expect(wakesBeforeMs).toBeLessThanOrEqual(2 * 3_600_000);
    }

    const next = await call(api.url, 'GET', `/users/${created.body.id}/next-delivery`);
    expect(next).toMatchObject({
      status: 200,
      body: { occurrenceYear: birthday.year, instant: birthday.instant, localDateTime: birthday.localDateTime },
    });

    // Woken, the run's first task takes the plan as it is: no plan of its own (no local activity in its history).
    const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
    const wakeMs = (await handleOf(created.body.id).describe()).executionTime!.getTime();
    await worker.runUntil(async () => {
      await env.sleep(wakeMs + 60_000 - (await env.currentTimeMs()));
      const state = await eventually(async () => {
        const answer = await handleOf(created.body.id)
          .query(scheduleStateQuery)
          .catch(() => undefined);
        return answer?.stage === 'sleeping' ? answer : undefined;
      }, 'the woken run to sleep on its plan');
      expect(state).toMatchObject({ next: created.body.nextDelivery });
    });
    expect(await localActivitiesOf(created.body.id)).toBe(0);
  });
});

test('a create replayed with its Idempotency-Key answers the plan that stands, and arms nothing twice', async () => {
  const taskQueue = uniqueTaskQueue('create-replayed');
  await withApi(taskQueue, async (api) => {
    const person = personWithBirthdayIn(20, Date.now(), 'America/New_York');
    const send = async () => {
      const response = await fetch(`${api.url}/users`, {
        method: 'POST',
        headers: { ...AUTHORIZATION, 'content-type': 'application/json', 'idempotency-key': taskQueue },
        body: JSON.stringify(person),
      });
      const body: any = await response.json();
      return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body };
    };
    const first = await send();
    expect(first).toMatchObject({ status: 201, replayed: null });
    const again = await send();
    expect(again).toMatchObject({ status: 201, replayed: 'true', body: { id: first.body.id } });
    expect(again.body.nextDelivery).toEqual(first.body.nextDelivery);
    expect(await deliveriesOf(db, first.body.id)).toHaveLength(1);
  });
});

test('a first plan whose instant passed before the run first ran is not taken: the run plans, and sends the year late', async () => {
  // Real time on a dev server: the time-skipping server does not skip while a task waits for a worker.
  const devServer = await startDevServer();
  const taskQueue = uniqueTaskQueue('create-stale');
  const receiver = await startTestReceiver();
  const { person, deliveryTime } = dueSoon(2);
  const api = await startApi(devServer, { db, taskQueue, worker: { deliveryTime } });
  try {
    const created = await call(api.url, 'POST', '/users', person);
    expect(created.status).toBe(201);
    const dueMs: number = created.body.nextDelivery.epochMs;
    // No worker until after the instant: the user existed then, and the year is still within the lateness limit.
    await sleep(dueMs + 1_000 - Date.now());

    const worker = await createTestWorker(devServer, { db, taskQueue, webhookUrl: receiver.url, deliveryTime });
    const handle = devServer.client.workflow.getHandle(workflowIdFor(created.body.id, 'birthday'));
    const { runId: createdRunId } = await handle.describe();
    await worker.runUntil(async () => {
      await receiver.waitForRequests(1);
      await eventually(async () => {
        const state = await handle.query(scheduleStateQuery);
        return (state.next?.year ?? 0) > created.body.nextDelivery.year ? state : undefined;
      }, 'the run to plan next year');
    });
    // The run the create started (the next year's run adopts the plan it was handed).
    const { events } = await devServer.client.workflow.getHandle(handle.workflowId, createdRunId).fetchHistory();
    const plannedItself = (events ?? []).some(
      (event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    expect(plannedItself).toBe(true);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.receivedAtMs).toBeGreaterThanOrEqual(dueMs + 1_000);
    expect(receiver.requests[0]!.body).toMatchObject({ userId: created.body.id });
  } finally {
    await api.close();
    await receiver.close();
    await devServer.teardown();
  }
});
