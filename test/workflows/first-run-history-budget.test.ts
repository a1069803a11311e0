import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { refreshScheduleSignal, scheduleStateQuery } from '../../src/workflows/definitions';
import { yearlyGreetingWorkflow } from '../../src/workflows/yearly-greeting';
import { createTestWorker, startDevServer, testDb, uniqueTaskQueue } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { eventually } from '../support/real-time';

// A run of the first workflow (started before plans read Postgres: its input still carries the schedule) had no
// history budget; past 2,000 events today's code continues it as new from a live task only, behind a marker, so the
// events it recorded under the old code still replay (test/fixtures/first-run-past-2000-events). The dev server
// takes 2,000 signals far faster than the time-skipping server.

let env: TestWorkflowEnvironment;
let db: Db;

beforeAll(async () => {
  env = await startDevServer();
  db = testDb();
});

afterAll(async () => {
  await db?.$disconnect();
  await env?.teardown();
});

test('a run of the first workflow past 2,000 events continues as new, behind a marker, into a run of today', async () => {
  const user = await createUserRow(db, personWithBirthdayIn(30, Date.now(), 'Europe/Oslo'));
  const taskQueue = uniqueTaskQueue('first-run-long');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: 'http://127.0.0.1:9/never-called' });
  await worker.runUntil(async () => {
    // Started as the code before plans read Postgres started runs: with the schedule in the input.
    const handle = await env.client.workflow.start(yearlyGreetingWorkflow, {
      workflowId: workflowIdFor(user.id, 'birthday'),
      taskQueue,
      args: [{ userId: user.id, eventType: 'birthday', schedule: { date: user.birthday, timezone: user.timezone } }],
    });
    const { runId: firstRunId } = await handle.describe();
    const first = env.client.workflow.getHandle(handle.workflowId, firstRunId);
    // Nudges until the history is past 2,000 events (a CRM's name syncs reached the first workflow as Updates).
    while ((await first.describe()).historyLength < 2_050) {
      await Promise.all(Array.from({ length: 200 }, () => handle.signal(refreshScheduleSignal)));
    }
    await eventually(
      async () => ((await first.describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined),
      'the run to continue as new',
    );
    const patches = (await first.fetchHistory()).events!.flatMap((event) => {
      const attributes = event.markerRecordedEventAttributes;
      const data =
        attributes?.markerName === 'core_patch' ? attributes.details?.['patch-data']?.payloads?.[0]?.data : null;
      return data ? [JSON.parse(Buffer.from(data).toString()).id as string] : [];
    });
    expect(patches).toContain('long-history-of-first-runs');
    // The next run is of today's shape, asleep on its plan.
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect((await handle.query(scheduleStateQuery)).next).toMatchObject({ timezone: 'Europe/Oslo' });
    await handle.cancel();
  });
});
