import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import { TEMPORAL_CALL_TIMEOUT_MS } from '../../src/api/service-app';
import type { Db } from '../../src/db/client';
import type { User } from '../../src/db/users';
import type { EventType } from '../../src/domain/event-type';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { ChangeAdmission, OverloadedError } from '../../src/users/change-admission';
import { createTestWorker, uniqueTaskQueue } from '../support/environment';
import { call, AUTHORIZATION, startApiWith } from '../support/service';
import { useTimeSkippingServer } from '../support/time-skipping-server';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('ChangeAdmission', () => {
  test('runs up to inFlight changes, queues up to waiting more, refuses the next at once', async () => {
    const admission = new ChangeAdmission({ inFlight: 2, waiting: 1 }, 3);
    const held = gate();
    let running = 0;
    let mostAtOnce = 0;
    const change = () =>
      admission.run(async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await held.opened;
        running -= 1;
        return 'done';
      });
    const accepted = [change(), change(), change()];
    const refused = await change().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect((refused as OverloadedError).retryAfterSeconds).toBe(3);

    held.open();
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done']);
    expect(mostAtOnce).toBe(2);
    // Every place is free again: as many as the limits allow are taken again.
    await expect(Promise.all([change(), change(), change()])).resolves.toHaveLength(3);
  });

  test('a change that fails gives its place back', async () => {
    const admission = new ChangeAdmission({ inFlight: 1, waiting: 0 });
    await expect(admission.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(admission.run(() => Promise.resolve(1))).resolves.toBe(1);
  });
});

describe('the API under more changes than Temporal takes', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  useTimeSkippingServer({}, (started) => ({ env, db } = started));

  let api: RunningHttpServer;
  const temporalAnswers = gate();
  const admission = new ChangeAdmission({ inFlight: 1, waiting: 1 });

  /** The real workflows, with schedule changes held until the test lets Temporal "answer": a busy Temporal, on purpose. */
  class SlowToChange extends GreetingWorkflows {
    override async changeSchedule(user: User, eventType: EventType) {
      await temporalAnswers.opened;
      return super.changeSchedule(user, eventType);
    }
  }

  const taskQueue = uniqueTaskQueue('admission');

  beforeAll(async () => {
    const workflows = new SlowToChange(env.client, { taskQueue, callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS });
    api = await startApiWith({ db, workflows, admission });
  });

  afterAll(async () => {
    temporalAnswers.open();
    await api?.close();
  });

  const person = (lastName: string, birthday = '1906-12-09') => ({
    firstName: 'Grace',
    lastName,
    birthday,
    timezone: 'America/New_York',
  });

  test('the surplus change answers 429 overloaded with Retry-After and saves nothing; the accepted ones finish', async () => {
    // A worker answers the Updates once the test lets them through.
    const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
    await worker.runUntil(surplusChangeRefused);
  });

  async function surplusChangeRefused(): Promise<void> {
    // Creates wait for Postgres only: they take a place for a moment and give it back.
    const ids: string[] = [];
    for (const name of ['First', 'Second', 'Third']) {
      const created = await call(api.url, 'POST', '/users', person(name));
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const [first, second, third] = ids as [string, string, string];
    const moved = (name: string) => person(name, '1906-12-10');
    const firstPut = call(api.url, 'PUT', `/users/${first}`, moved('First'));
    const secondPut = call(api.url, 'PUT', `/users/${second}`, moved('Second'));
    // The first holds the one place, the second waits for it.
    const deadline = Date.now() + 10_000;
    while (admission.load.waiting < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(admission.load).toEqual({ running: 1, waiting: 1 });

    const response = await fetch(`${api.url}/users/${third}`, {
      method: 'PUT',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify(moved('Third')),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({
      error: { code: 'overloaded', message: expect.stringContaining('nothing was saved'), details: [] },
    });
    expect(await db.user.findUniqueOrThrow({ where: { id: third } })).toMatchObject({
      birthday: new Date('1906-12-09'),
    });

    temporalAnswers.open();
    expect((await firstPut).status).toBe(200);
    expect((await secondPut).status).toBe(200);
    expect(admission.load).toEqual({ running: 0, waiting: 0 });
    // Sent again once there is room, the refused change goes through.
    expect((await call(api.url, 'PUT', `/users/${third}`, moved('Third'))).status).toBe(200);
  }
});
