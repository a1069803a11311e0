import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import { TEMPORAL_CALL_TIMEOUT_MS } from '../../src/api/service-app';
import type { Db } from '../../src/db/client';
import type { User } from '../../src/db/users';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { ChangeAdmission, OverloadedError } from '../../src/users/change-admission';
import { uniqueTaskQueue } from '../support/environment';
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

  /** The real workflows, with starts held until the test lets Temporal "answer": a busy Temporal, made on purpose. */
  class SlowToStart extends GreetingWorkflows {
    override async start(user: User) {
      await temporalAnswers.opened;
      return super.start(user, 'birthday');
    }
  }

  beforeAll(async () => {
    const workflows = new SlowToStart(env.client, {
      taskQueue: uniqueTaskQueue('admission'),
      callTimeoutMs: TEMPORAL_CALL_TIMEOUT_MS,
    });
    api = await startApiWith({ db, workflows, admission });
  });

  afterAll(async () => {
    await api?.close();
  });

  const person = (email: string) => ({
    firstName: 'Grace',
    lastName: 'Hopper',
    birthday: '1906-12-09',
    timezone: 'America/New_York',
    email,
  });

  test('the surplus create answers 429 overloaded with Retry-After and saves nothing; the accepted ones finish', async () => {
    const tag = Date.now();
    const first = call(api.url, 'POST', '/users', person(`first-${tag}@example.com`));
    const second = call(api.url, 'POST', '/users', person(`second-${tag}@example.com`));
    // The first holds the one place, the second waits for it.
    const deadline = Date.now() + 10_000;
    while (admission.load.waiting < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(admission.load).toEqual({ running: 1, waiting: 1 });

    const response = await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { ...AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify(person(`third-${tag}@example.com`)),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({
      error: { code: 'overloaded', message: expect.stringContaining('nothing was saved'), details: [] },
    });
    expect(await db.user.count({ where: { email: `third-${tag}@example.com` } })).toBe(0);

    temporalAnswers.open();
    expect((await first).status).toBe(201);
    expect((await second).status).toBe(201);
    expect(admission.load).toEqual({ running: 0, waiting: 0 });
    // Sent again once there is room, the refused create goes through.
    expect((await call(api.url, 'POST', '/users', person(`third-${tag}@example.com`))).status).toBe(201);
  });
});
