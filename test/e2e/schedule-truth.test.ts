import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { Registry } from 'prom-client';
import { createDb, type Db } from '../../src/db/client';
import { updateLiveUser, type User } from '../../src/db/users';
import { workflowIdFor } from '../../src/greetings/ids';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { reconcile } from '../../src/reconciler/reconcile';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { UserService } from '../../src/users/user-service';
import { refreshScheduleSignal, scheduleStateQuery } from '../../src/workflows/definitions';
import { HISTORY_EVENT_BUDGET } from '../../src/workflows/yearly-greeting';
import { createTestWorker, isolatedTestDb, uniqueTaskQueue } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { startTcpProxy } from '../support/tcp-proxy';
import { gate } from '../support/test-receiver';
import { call, silentLog, startApi } from '../support/service';
import { useTimeSkippingServer } from '../support/time-skipping-server';

// Postgres is the one truth of a schedule: every plan reads the row, and Updates and signals only ask for a new one.
let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

const NEVER_CALLED = 'http://127.0.0.1:9/never-called';

function workflowsOn(taskQueue: string): GreetingWorkflows {
  return new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });
}

/** GreetingWorkflows whose changeSchedule, for the users `delayed` names, waits until the test opens the gate. */
class DelayedUpdates extends GreetingWorkflows {
  constructor(
    taskQueue: string,
    private readonly delayed: (user: User) => Promise<void> | undefined,
  ) {
    super(env.client, { taskQueue, callTimeoutMs: 10_000 });
  }

  override async changeSchedule(user: User) {
    await this.delayed(user);
    return super.changeSchedule(user, 'birthday');
  }
}

async function sleepingUser(taskQueue: string, timezone = 'Europe/Oslo', database = db) {
  const user = await createUserRow(database, personWithBirthdayIn(40, await env.currentTimeMs(), timezone));
  await workflowsOn(taskQueue).start(user, 'birthday');
  await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday');
  return user;
}

const fieldsOf = (user: User, change: Partial<User>) => ({
  firstName: user.firstName,
  lastName: user.lastName,
  birthday: change.birthday ?? user.birthday,
  timezone: change.timezone ?? user.timezone,
  email: user.email,
});

test("two PUTs racing, the first one's Update arriving last: the workflow plans from the row Postgres holds", async () => {
  const taskQueue = uniqueTaskQueue('racing-puts');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED });
  await worker.runUntil(async () => {
    const user = await sleepingUser(taskQueue);
    const holdFirst = gate();
    const workflows = new DelayedUpdates(taskQueue, (saved) =>
      saved.birthday === '1990-03-01' ? holdFirst.opened : undefined,
    );
    const service = new UserService(db, workflows, silentLog);

    // A commits, its Update waits; B commits and its Update lands; then A's Update lands last.
    const first = service.update(user.id, fieldsOf(user, { birthday: '1990-03-01' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await service.update(user.id, fieldsOf(user, { birthday: '1990-08-20', timezone: 'Asia/Tokyo' }));
    holdFirst.release();
    const firstAnswer = await first;

    expect(second?.nextDelivery).toMatchObject({ localDate: expect.stringMatching(/-08-20$/), timezone: 'Asia/Tokyo' });
    // The late Update planned from the row too: both answers, and the workflow, say B.
    expect(firstAnswer?.nextDelivery).toMatchObject({
      localDate: expect.stringMatching(/-08-20$/),
      timezone: 'Asia/Tokyo',
    });
    expect(await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday')).toMatchObject({
      localDate: expect.stringMatching(/-08-20$/),
      timezone: 'Asia/Tokyo',
    });
  });
});

test('a refused PUT put back after a plan read the refused row: the run is nudged and plans from the restored row', async () => {
  const taskQueue = uniqueTaskQueue('restore-nudge');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED });
  await worker.runUntil(async () => {
    const user = await sleepingUser(taskQueue);
    const before = await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday');
    // Before its Update is refused, the run plans on its own from the row the PUT saved (a zone it cannot plan).
    const readsTheRefusedRowFirst = new DelayedUpdates(taskQueue, async () => {
      await workflowsOn(taskQueue).refresh(user.id, 'birthday');
      await eventually(async () => {
        const state = await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).query(scheduleStateQuery);
        return state.stage === 'unplannable' ? state : undefined;
      }, 'the run to plan from the refused row');
    });
    const service = new UserService(db, readsTheRefusedRowFirst, silentLog);

    await expect(service.update(user.id, fieldsOf(user, { timezone: 'Mars/Olympus' }))).rejects.toMatchObject({
      name: 'ScheduleRejectedError',
    });

    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).timezone).toBe('Europe/Oslo');
    const state = await eventually(async () => {
      const current = await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).query(scheduleStateQuery);
      return current.stage !== 'unplannable' && current.next ? current : undefined;
    }, 'the run to plan again from the restored row');
    expect(state.next).toEqual(before);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).workflowSyncRequestedAt).toBeNull();
  });
});

test('a reconciler pass holding a stale row, racing a PUT: the workflow plans from the row Postgres holds', async () => {
  const taskQueue = uniqueTaskQueue('reconciler-race');
  const isolated = await isolatedTestDb('truth_reconciler');
  try {
    const worker = await createTestWorker(env, { db: isolated, taskQueue, webhookUrl: NEVER_CALLED });
    await worker.runUntil(async () => {
      const user = await sleepingUser(taskQueue, 'Europe/Oslo', isolated);
      // A change the API saved but could not tell the workflow: flagged for the reconciler.
      await updateLiveUser(
        isolated,
        user.id,
        fieldsOf(user, { birthday: '1990-03-01' }),
        new Date(Date.now() - 60_000),
      );

      const reconcilerHolds = gate();
      const reconcilerRead = gate();
      const stale = new DelayedUpdates(taskQueue, () => {
        reconcilerRead.release();
        return reconcilerHolds.opened;
      });
      const pass = reconcile(
        { db: isolated, client: env.client, workflows: stale, taskQueue, log: silentLog, graceMs: 0 },
        { fullSweep: false },
      );
      // The reconciler has read the flagged row (March 1) and is about to send it; a PUT saves August 20 meanwhile.
      await reconcilerRead.opened;
      const service = new UserService(isolated, workflowsOn(taskQueue), silentLog);
      await service.update(user.id, fieldsOf(user, { birthday: '1990-08-20' }));
      reconcilerHolds.release();
      await pass;

      expect(await workflowsOn(taskQueue).nextDelivery(user.id, 'birthday')).toMatchObject({
        localDate: expect.stringMatching(/-08-20$/),
      });
    });
  } finally {
    await isolated.$disconnect();
  }
});

test('a zone the worker cannot plan: stage unplannable with the reason, 409 from the API, counted, no history growth; a PUT fixes it', async () => {
  const taskQueue = uniqueTaskQueue('unplannable');
  const metrics = createDeliveryMetrics(new Registry());
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED, metrics });
  const api = await startApi(env, { db, taskQueue });
  try {
    await worker.runUntil(async () => {
      const user = await createUserRow(db, personWithBirthdayIn(40, await env.currentTimeMs(), 'Europe/Oslo'));
      // Saved by an API whose time-zone data knew a zone this worker's does not: here, straight into the row.
      await db.user.update({ where: { id: user.id }, data: { timezone: 'Mars/Olympus' } });
      await workflowsOn(taskQueue).start(user, 'birthday');
      const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));

      const state = await eventually(async () => {
        const current = await handle.query(scheduleStateQuery);
        return current.stage === 'unplannable' ? current : undefined;
      }, 'the run to find its schedule unplannable');
      expect(state).toMatchObject({ next: null, problem: expect.stringContaining('"Mars/Olympus"') });
      const answer = await call(api.url, 'GET', `/users/${user.id}/next-delivery`);
      expect(answer).toMatchObject({
        status: 409,
        body: { error: { code: 'schedule_unplannable', message: expect.stringContaining('Mars/Olympus') } },
      });
      expect((await metrics.unplannable.get()).values).toEqual([
        expect.objectContaining({ labels: { event_type: 'birthday' }, value: 1 }),
      ]);
      // Not a retry loop: days pass and the history does not grow.
      const events = (await handle.fetchHistory()).events!.length;
      await env.sleep('3 days');
      expect((await handle.fetchHistory()).events).toHaveLength(events);

      const fixed = await call(api.url, 'PUT', `/users/${user.id}`, {
        firstName: user.firstName,
        lastName: user.lastName,
        birthday: user.birthday,
        timezone: 'Europe/Oslo',
      });
      expect(fixed).toMatchObject({ status: 200, body: { nextDelivery: { timezone: 'Europe/Oslo' } } });
      expect(await handle.query(scheduleStateQuery)).toMatchObject({ stage: 'sleeping', problem: null });
    });
  } finally {
    await api.close();
  }
});

test('Postgres unreachable from the worker: the plan is retried on a durable backoff with a bounded history, and recovers', async () => {
  const taskQueue = uniqueTaskQueue('postgres-down');
  const target = new URL(process.env.TEST_DATABASE_URL!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const workerDb = createDb(proxied.toString());
  const worker = await createTestWorker(env, { db: workerDb, taskQueue, webhookUrl: NEVER_CALLED });
  const api = await startApi(env, { db, taskQueue });
  try {
    await worker.runUntil(async () => {
      const user = await sleepingUser(taskQueue);
      const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
      const before = (await handle.fetchHistory()).events!.length;

      await proxy.cut();
      await handle.signal(refreshScheduleSignal);
      const state = await eventually(
        async () => {
          const current = await handle.query(scheduleStateQuery);
          return current.stage === 'plan-retrying' ? current : undefined;
        },
        'the plan to give up for now',
        60_000,
      );
      expect(state).toMatchObject({ next: null, problem: expect.any(String) });
      // The API answers from the row the last plan armed, which stands while the worker cannot reach Postgres.
      const armed = await db.delivery.findFirstOrThrow({ where: { userId: user.id, status: 'scheduled' } });
      expect(await call(api.url, 'GET', `/users/${user.id}/next-delivery`)).toMatchObject({
        status: 200,
        body: { occurrenceYear: armed.occurrenceYear, instant: armed.scheduledAt.toISOString() },
      });
      // One failed try costs a handful of events (its workflow task heartbeats, the marker, the retry timer).
      expect((await handle.fetchHistory()).events!.length - before).toBeLessThan(40);

      await proxy.restore();
      await env.sleep('2 minutes');
      const recovered = await eventually(async () => {
        const current = await handle.query(scheduleStateQuery);
        return current.stage === 'sleeping' ? current : undefined;
      }, 'the retry to plan once Postgres is back');
      expect(recovered).toMatchObject({ problem: null, next: { timezone: 'Europe/Oslo' } });
    });
  } finally {
    await api.close();
    await workerDb.$disconnect();
    await proxy.close();
  }
});

// 2,000 Updates, each a plan that reads Postgres: ≈ 45 s of one core alone, several times that beside other files.
test('2,000 schedule changes on one workflow: it continues as new, each run keeps a short history, the plan is the last change', async () => {
  const taskQueue = uniqueTaskQueue('many-changes');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: NEVER_CALLED });
  await worker.runUntil(async () => {
    const user = await sleepingUser(taskQueue);
    const workflows = workflowsOn(taskQueue);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const firstRunId = (await handle.describe()).runId;
    const service = new UserService(db, workflows, silentLog);

    const CHANGES = 2_000;
    const AT_ONCE = 8;
    for (let change = 0; change < CHANGES; change += AT_ONCE) {
      await Promise.all(
        Array.from({ length: AT_ONCE }, async (_, offset) => {
          const day = DateTime.fromISO('1990-01-01').plus({ days: (change + offset) % 365 });
          const answer = await service.update(user.id, fieldsOf(user, { birthday: day.toISODate()! }));
          expect(answer?.nextDelivery).toBeDefined();
        }),
      );
    }

    const saved = (await db.user.findUniqueOrThrow({ where: { id: user.id } })).birthday.toISOString().slice(5, 10);
    expect((await workflows.nextDelivery(user.id, 'birthday'))?.localDate.slice(5)).toBe(saved);
    const current = await handle.describe();
    expect(current.runId).not.toBe(firstRunId);
    expect(current.historyLength).toBeLessThan(HISTORY_EVENT_BUDGET + 200);
    expect((await env.client.workflow.getHandle(handle.workflowId, firstRunId).describe()).status.name).toBe(
      'CONTINUED_AS_NEW',
    );
  });
}, 600_000);
