import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { DeliveryObservers } from '../../src/activities/delivery-report';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import type { EventType } from '../../src/domain/event-type';
import type { NextDelivery } from '../../src/domain/schedule-state';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { createTestWorker, uniqueTaskQueue } from './environment';
import { personWithBirthdayIn } from './fixtures';
import { untilRunExists } from './runs-started';
import { call, startApi } from './service';
import { startTestReceiver, type ReceiverOptions, type TestReceiver } from './test-receiver';

export interface Stack {
  env: TestWorkflowEnvironment;
  api: RunningHttpServer;
  receiver: TestReceiver;
  worker: Worker;
  taskQueue: string;
}

export interface StackOptions {
  receiver?: ReceiverOptions;
  /** The worker's delivery log and metrics; silent and private by default. */
  observers?: Partial<DeliveryObservers>;
  maxLatenessMs?: number | null;
  deliveryTime?: string;
}

/** API, worker and receiver on a task queue of their own, on the given server; `body` runs while the worker runs. */
export async function withStack(
  env: TestWorkflowEnvironment,
  db: Db,
  options: StackOptions,
  body: (stack: Stack) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueTaskQueue('stack');
  const receiver = await startTestReceiver({ clock: () => env.currentTimeMs(), ...options.receiver });
  const api = await startApi(env, { db, taskQueue, worker: { deliveryTime: options.deliveryTime } });
  const worker = await createTestWorker(env, {
    db,
    taskQueue,
    webhookUrl: receiver.url,
    maxLatenessMs: options.maxLatenessMs,
    deliveryTime: options.deliveryTime,
    ...options.observers,
  });
  try {
    await worker.runUntil(() => body({ env, api, receiver, worker, taskQueue }));
  } finally {
    await api.close();
    await receiver.close();
  }
}

/** Creates a user over HTTP whose birthday is `days` days ahead in `timezone`. */
export async function createUserDueIn(
  env: TestWorkflowEnvironment,
  api: RunningHttpServer,
  days: number,
  timezone = 'Asia/Kolkata',
) {
  const person = personWithBirthdayIn(days, await env.currentTimeMs(), timezone);
  const created = await call(api.url, 'POST', '/users', person);
  if (created.status !== 201)
    throw new Error(`POST /users answered ${created.status}: ${JSON.stringify(created.body)}`);
  await untilRunExists(env.client, created.body.id);
  return created.body as { id: string; firstName: string; lastName: string; birthday: string; timezone: string };
}

/** The occurrence the user's workflow of an event plans, asked of the workflow itself (once its first plan is made). */
export async function plannedDelivery(
  env: TestWorkflowEnvironment,
  userId: string,
  eventType: EventType = 'birthday',
): Promise<NextDelivery> {
  const workflows = new GreetingWorkflows(env.client, { taskQueue: 'unused', callTimeoutMs: 10_000 });
  await untilRunExists(env.client, userId, eventType);
  const next = await workflows.nextDelivery(userId, eventType);
  if (!next) throw new Error(`the ${eventType} workflow of user ${userId} is not running`);
  return next;
}

/** The due instant the user's workflow of an event plans, asked of the workflow itself. */
export async function nextDueMs(
  env: TestWorkflowEnvironment,
  userId: string,
  eventType: EventType = 'birthday',
): Promise<number> {
  return (await plannedDelivery(env, userId, eventType)).epochMs;
}

/** Skips the server's time to one second past `dueMs`. */
export async function skipPast(env: TestWorkflowEnvironment, dueMs: number): Promise<void> {
  await env.sleep(dueMs - (await env.currentTimeMs()) + 1_000);
}
