import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createPlanningActivities, type PlanDeliveryInput } from '../../src/activities';
import type { Db } from '../../src/db/client';
import { softDeleteUser } from '../../src/db/users';
import type { DeliveryOutcome } from '../../src/domain/delivery-outcome';
import { workflowIdFor } from '../../src/greetings/ids';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { nextDeliveryQuery } from '../../src/workflows/definitions';
import { createTestWorker, uniqueTaskQueue, startGreetingWorkflow } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { useTimeSkippingServer } from '../support/time-skipping-server';

// GreetingWorkflows tells the workflow's answers apart by failure type and by value, never by message text.
let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({}, (started) => ({ env, db } = started));

/** The real planning activity: the stand-ins below only hold it back. */
const realPlanning = createPlanningActivities({
  get db() {
    return db;
  },
  deliveryTime: '09:00',
  maxLatenessMs: null,
});

const workflowsOn = (taskQueue: string) => new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });

async function sleepingUser(workflows: GreetingWorkflows) {
  const user = await createUserRow(db, personWithBirthdayIn(30, await env.currentTimeMs(), 'Europe/Oslo'));
  await workflows.start(user, 'birthday');
  return user;
}

test('an Update its validator refuses is a WorkflowRejectedError with the reason, and the plan stays', async () => {
  const taskQueue = uniqueTaskQueue('refused');
  const workflows = workflowsOn(taskQueue);
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    const user = await sleepingUser(workflows);
    const before = await workflows.nextDelivery(user.id, 'birthday');

    await expect(workflows.changeSchedule({ ...user, timezone: 'Mars/Olympus' }, 'birthday')).rejects.toMatchObject({
      name: 'WorkflowRejectedError',
      message: 'unknown IANA time zone: "Mars/Olympus"',
    });
    await expect(workflows.redrive(user.id, 'birthday', 12)).rejects.toMatchObject({
      name: 'WorkflowRejectedError',
      message: 'not an occurrence year: 12',
    });
    expect(await workflows.nextDelivery(user.id, 'birthday')).toEqual(before);
  });
});

test('a re-drive the workflow accepts returns once accepted, without waiting for its delivery', async () => {
  const taskQueue = uniqueTaskQueue('redrive');
  const workflows = workflowsOn(taskQueue);
  const redelivery = held<DeliveryOutcome>();
  const worker = await workerWith(taskQueue, { redeliverGreeting: () => redelivery.promise });
  await worker.runUntil(async () => {
    const user = await sleepingUser(workflows);
    await workflows.nextDelivery(user.id, 'birthday');

    await expect(workflows.redrive(user.id, 'birthday', 2001)).resolves.toBeUndefined();
    redelivery.release({ outcome: 'not-found', deliveryId: null });
  });
});

test('a change that finds the user deleted is a UserDeletedError, not a refusal', async () => {
  const taskQueue = uniqueTaskQueue('deleted');
  const workflows = workflowsOn(taskQueue);
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    const user = await sleepingUser(workflows);
    await workflows.nextDelivery(user.id, 'birthday');
    await softDeleteUser(db, user.id, new Date());

    await expect(workflows.changeSchedule(user, 'birthday')).rejects.toMatchObject({ name: 'UserDeletedError' });
  });
});

test('a user without a workflow: nextDelivery is null and a re-drive is a WorkflowNotRunningError', async () => {
  const workflows = workflowsOn(uniqueTaskQueue('none'));
  const userId = randomUUID();
  expect(await workflows.nextDelivery(userId, 'birthday')).toBeNull();
  await expect(workflows.redrive(userId, 'birthday', 2026)).rejects.toMatchObject({ name: 'WorkflowNotRunningError' });
});

test('a terminated workflow serves no stale plan: nextDelivery is null and a re-drive is a WorkflowNotRunningError', async () => {
  const taskQueue = uniqueTaskQueue('terminated');
  const workflows = workflowsOn(taskQueue);
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    const user = await sleepingUser(workflows);
    expect(await workflows.nextDelivery(user.id, 'birthday')).not.toBeNull();
    await env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday')).terminate('operator test');

    expect(await workflows.nextDelivery(user.id, 'birthday')).toBeNull();
    await expect(workflows.redrive(user.id, 'birthday', 2026)).rejects.toMatchObject({
      name: 'WorkflowNotRunningError',
    });
  });
});

test('a query no worker answers in time (a backlog, no worker) is a TemporalUnavailableError, not a bare failure', async () => {
  const taskQueue = uniqueTaskQueue('unanswered');
  const workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 1_000 });
  const user = await createUserRow(db, personWithBirthdayIn(30, await env.currentTimeMs(), 'Europe/Oslo'));
  await workflows.start(user, 'birthday');

  await expect(workflows.nextDelivery(user.id, 'birthday')).rejects.toMatchObject({ name: 'TemporalUnavailableError' });
});

test('while the first plan is being made the query answers null, and nextDelivery waits for the plan', async () => {
  const taskQueue = uniqueTaskQueue('planning');
  const workflows = workflowsOn(taskQueue);
  const planning = held<void>();
  const planningStarted = held<void>();
  const worker = await workerWith(taskQueue, {
    async planDelivery(input: PlanDeliveryInput) {
      planningStarted.release();
      await planning.promise;
      return realPlanning.planDelivery(input);
    },
  });
  await worker.runUntil(async () => {
    const person = personWithBirthdayIn(30, await env.currentTimeMs(), 'Europe/Oslo');
    const user = await createUserRow(db, person);
    // The workflow task that waits on the planning local activity is answered (and the query with it) sooner.
    const handle = await startGreetingWorkflow(env, taskQueue, user, { workflowTaskTimeout: '2 seconds' });
    await planningStarted.promise;
    expect(await handle.query(nextDeliveryQuery)).toBeNull();

    const answer = workflows.nextDelivery(user.id, 'birthday');
    setTimeout(() => planning.release(), 300);
    expect(await answer).toMatchObject({
      eventType: 'birthday',
      timezone: 'Europe/Oslo',
      localDate: expect.stringMatching(/^\d{4}-/),
    });
  });
});

/** A promise the test settles when it chooses. */
function held<T>() {
  let release!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** A worker of the real workflow whose activities are the given stand-ins, to hold the workflow at one step. */
function workerWith(
  taskQueue: string,
  activities: Record<string, (...args: never[]) => Promise<unknown>>,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: { planDelivery: (input: PlanDeliveryInput) => realPlanning.planDelivery(input), ...activities },
  });
}
