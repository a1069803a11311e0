import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import {
  eventTypeSearchAttribute,
  nextDeliverySearchAttribute,
  refreshScheduleUpdate,
  userIdSearchAttribute,
} from '../../src/workflows/definitions';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { localDate } from '../support/fixtures';
import { dueSoon, eventually } from '../support/real-time';
import { call } from '../support/service';
import { createUserDueIn, withStack } from '../support/stack';
import { useDevServer } from '../support/dev-server';
import { untilRunExists } from '../support/runs-started';

// What an operator sees in the Web UI, read back from the real dev server: search attributes, summaries, details.
let env: TestWorkflowEnvironment;
let db: Db;

useDevServer((started) => ({ env, db } = started));

const EventType = temporal.api.enums.v1.EventType;
const HOUR_MS = 3_600_000;

function handleOf(userId: string, runId?: string): WorkflowHandle {
  return env.client.workflow.getHandle(workflowIdFor(userId, 'birthday'), runId);
}

/** The run's current details, as the Web UI asks for them (the built-in metadata query). */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** The summaries the workflow gave its timers and activities, in history order. */
async function commandSummaries(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const summaryOf = (event: temporal.api.history.v1.IHistoryEvent) => {
    const payload = event.userMetadata?.summary;
    return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
  };
  const events = history.events ?? [];
  return {
    timers: events.filter((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED).map(summaryOf),
    activities: events
      .filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map(summaryOf),
    /** Local activities (a delivery runs as one) are recorded as markers, with the summary they were given. */
    markers: events.filter((event) => event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).map(summaryOf),
  };
}

/** Workflow ids the visibility store finds for a query (it catches up a moment after a change). */
async function findIds(query: string, expectedId: string): Promise<string[]> {
  return eventually(async () => {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    return ids.includes(expectedId) ? ids : undefined;
  }, `visibility to find ${expectedId} with ${query}`);
}

test('a sleeping run carries its user id, event type and next delivery instant as search attributes, a summary and details', async () => {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 1, 'Asia/Kolkata');
    const handle = handleOf(user.id);
    // A new run waits in its start delay until shortly before its greeting; an Update wakes it, and it sleeps.
    const waiting = await handle.describe();
    expect(waiting.historyLength).toBe(1);
    expect(waiting.executionTime!.getTime()).toBeGreaterThan(Date.now());
    expect(await handle.executeUpdate(refreshScheduleUpdate)).toMatchObject({ stage: 'sleeping' });
    const workflows = new GreetingWorkflows(env.client, { taskQueue: 'unused', callTimeoutMs: 10_000 });
    const next = (await workflows.nextDelivery(user.id, 'birthday'))!;

    const described = await eventually(async () => {
      const description = await handle.describe();
      return description.typedSearchAttributes.get(nextDeliverySearchAttribute) ? description : undefined;
    }, 'the next delivery search attribute');
    expect(described.typedSearchAttributes.get(userIdSearchAttribute)).toBe(user.id);
    expect(described.typedSearchAttributes.get(eventTypeSearchAttribute)).toBe('birthday');
    expect(described.typedSearchAttributes.get(nextDeliverySearchAttribute)?.toISOString()).toBe(next.instant);
    expect(await described.staticSummary()).toBe(`birthday greetings for user ${user.id}`);

    // No personal data in visibility: only the three keys the service writes, none holding a name or a birthday.
    const written = Object.entries(described.searchAttributes).filter(([key]) => key.startsWith('Greeting'));
    expect(written.map(([key]) => key).sort()).toEqual([
      'GreetingEventType',
      'GreetingNextDeliveryAt',
      'GreetingUserId',
    ]);
    expect(JSON.stringify(written)).not.toMatch(new RegExp(`${user.firstName}|${user.lastName}|${user.birthday}`));

    const details = await currentDetails(handle);
    expect(details).toContain(`**birthday greetings for user ${user.id}**`);
    expect(details).toContain(`| Year | ${next.year} |`);
    expect(details).toContain(`| Due (local) | ${next.localDate} 09:00 Asia/Kolkata |`);
    expect(details).toContain(`| Due (UTC) | ${next.instant} |`);
    expect(details).toContain('| Stage | sleeping |');

    expect((await commandSummaries(handle)).timers).toEqual([`sleep until ${next.localDate} 09:00 Asia/Kolkata`]);

    // The Web UI's filters: this user's runs, and everything due within a window around tomorrow.
    expect(await findIds(`GreetingUserId = '${user.id}'`, handle.workflowId)).toEqual([handle.workflowId]);
    const from = new Date(next.epochMs - HOUR_MS).toISOString();
    const to = new Date(next.epochMs + HOUR_MS).toISOString();
    await findIds(
      `GreetingEventType = 'birthday' AND GreetingNextDeliveryAt BETWEEN '${from}' AND '${to}'`,
      handle.workflowId,
    );
  });
});

test('a profile change moves the next delivery search attribute, the details and the new timer summary', async () => {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 10, 'Asia/Kolkata');
    const handle = handleOf(user.id);
    const changed = await call(api.url, 'PUT', `/users/${user.id}`, {
      firstName: user.firstName,
      lastName: user.lastName,
      birthday: user.birthday,
      timezone: 'America/New_York',
    });
    expect(changed.status).toBe(200);
    const next = (changed.body as { nextDelivery: { instant: string; localDate: string; year: number } }).nextDelivery;

    await eventually(async () => {
      const description = await handle.describe();
      return (
        description.typedSearchAttributes.get(nextDeliverySearchAttribute)?.toISOString() === next.instant || undefined
      );
    }, 'the search attribute to follow the change');
    const details = await currentDetails(handle);
    expect(details).toContain(`| Due (local) | ${next.localDate} 09:00 America/New_York |`);
    expect(details).toContain(`| Due (UTC) | ${next.instant} |`);
    expect((await commandSummaries(handle)).timers.at(-1)).toBe(`sleep until ${next.localDate} 09:00 America/New_York`);
  });
});

test('a delivered year shows "deliver birthday <year>" on its local activity, and the next run shows next year', async () => {
  const { person, deliveryTime } = dueSoon(4);
  await withStack(env, db, { deliveryTime }, async ({ api, receiver }) => {
    const created = await call(api.url, 'POST', '/users', person);
    expect(created.status).toBe(201);
    const userId = (created.body as { id: string }).id;
    await untilRunExists(env.client, userId);
    const firstRunId = (await handleOf(userId).describe()).runId;

    await receiver.waitForRequests(1, 30_000);
    const year = Number(localDate(Date.now(), person.timezone).slice(0, 4));
    const summaries = await eventually(async () => {
      const found = await commandSummaries(handleOf(userId, firstRunId));
      return found.markers.includes(`deliver birthday ${year}`) ? found : undefined;
    }, 'the delivery in history');
    expect(summaries.activities).toEqual([]);

    // Continue-as-new: the new run keeps the user's search attributes and plans next year.
    const details = await eventually(async () => {
      const handle = handleOf(userId);
      if ((await handle.describe()).runId === firstRunId) return undefined;
      const text = await currentDetails(handle).catch(() => '');
      return text.includes('| Stage | sleeping |') ? text : undefined;
    }, 'the next run to sleep');
    expect(details).toContain(`| Year | ${year + 1} |`);
    const workflows = new GreetingWorkflows(env.client, { taskQueue: 'unused', callTimeoutMs: 10_000 });
    const next = (await workflows.nextDelivery(userId, 'birthday'))!;
    const nextRun = await eventually(async () => {
      const description = await handleOf(userId).describe();
      return description.typedSearchAttributes.get(nextDeliverySearchAttribute)?.toISOString() === next.instant
        ? description
        : undefined;
    }, 'the next run to publish its instant');
    expect(nextRun.typedSearchAttributes.get(userIdSearchAttribute)).toBe(userId);
    expect(nextRun.typedSearchAttributes.get(eventTypeSearchAttribute)).toBe('birthday');
  });
});
