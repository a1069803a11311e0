/**
 * `npm run record-histories`: records a set of workflow histories into test/histories/<today>/, which every test run
 * then replays against the current workflow code (test/workflows/replay-histories.test.ts). Runs the real stack the
 * tests use (embedded Postgres, the real API, worker and a webhook receiver) on the real Temporal dev server, plus the
 * time-skipping test server for a chain of several years, and exports each run with the real CLI:
 * `temporal workflow show --output json`. Earlier sets stay: they are the old histories new code must still replay.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Db } from '../src/db/client';
import { workflowIdFor } from '../src/greetings/ids';
import { refreshScheduleSignal, scheduleStateQuery } from '../src/workflows/definitions';
import { HISTORY_EVENT_BUDGET } from '../src/workflows/yearly-greeting';
import { ensureTemporalCli, TEMPORAL_CLI_VERSION } from './tools/temporal-cli';
import { TEST_SERVER_VERSION } from './tools/test-server';
import { startDevServer, startTimeSkippingServer, testDb } from '../test/support/environment';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import { dueSoon, eventually } from '../test/support/real-time';
import { call } from '../test/support/service';
import { createUserDueIn, nextDueMs, skipPast, withStack } from '../test/support/stack';

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * A new folder per recording, named after the day (`2026-11-23`, then `2026-11-23-2`, ...): a set recorded earlier,
 * even the same day, came from older workflow code and must stay.
 */
const SET_DIR = newSetDir(path.resolve(__dirname, '../test/histories'), new Date().toISOString().slice(0, 10));
const DAY_MS = 24 * 3_600_000;
/** Room for starting a stack and creating the user before the greeting is due, even on a busy machine. */
const DUE_IN_SECONDS = 15;
/** Enough `PUT`s to take one run past the workflow's history budget (checked when recorded). */
const MANY_CHANGES = 64;

/** What each recorded run did, for the set's README. */
const CASES: Record<string, string> = {
  'delivered-year-run1.json':
    'a birthday delivered at its due time (the receiver answers 200); the run continues as new',
  'delivered-year-run2.json': "the run it continued into: next year's birthday planned, asleep on its timer",
  'profile-change.json':
    'a sleeping run given a later date, then another zone, by two `PUT /users/:id`: two `changeSchedule` Updates, ' +
    'each moving the timer',
  'failed-then-redriven-run1.json':
    'the receiver refuses the greeting with 400: no retry, the activity fails, `recordDeliveryFailure` records it, ' +
    'the run continues as new',
  'failed-then-redriven-run2.json':
    "next year's run, re-driving the failed year through the `redriveDelivery` Update (the API's retry endpoint); " +
    'the receiver now answers 200',
  'deleted.json': 'a sleeping run cancelled by `DELETE /users/:id`: the timer is cancelled, the run ends as cancelled',
  'three-years-run1.json': 'year 1 of a chain: the birthday delivered, the run continues as new',
  'three-years-run2.json': 'year 2 of the chain: delivered, continues as new',
  'three-years-run3.json': 'year 3 of the chain: delivered, continues as new',
  'three-years-run4.json': 'the fourth run of the chain, asleep until the fourth birthday',
  'paused-run1.json':
    'a user paused through `POST /users/:id/pause` (saved, then a `refreshSchedule` nudge; the run plans again): the due ' +
    'occurrence is `skipped`, the run continues as new',
  'paused-run2.json':
    "next year's run, resumed through `POST /users/:id/resume` (a `refreshSchedule` nudge): it plans again",
  'many-changes.json':
    `a sleeping run given ${MANY_CHANGES} schedule changes by \`PUT /users/:id\`, one after another (each a \`changeSchedule\` ` +
    `Update moving the timer): the first run as it stood after the last, past ${HISTORY_EVENT_BUDGET} events (a run of a workflow ` +
    'with that history budget has continued as new by then)',
  'unplannable-then-fixed.json':
    'a row given a zone the worker cannot plan, then `refreshSchedule`: stage `unplannable`; a `PUT` with a known ' +
    'zone (a `changeSchedule` Update) plans again',
};

interface Recorded {
  file: string;
  server: 'dev server' | 'time-skipping test server';
  description: string;
}

interface Recorder {
  env: TestWorkflowEnvironment;
  db: Db;
  server: Recorded['server'];
  /** Exports one run with `temporal workflow show --output json` into the set's folder as `file` (one of CASES). */
  save: (file: string, workflowId: string, runId: string) => Promise<void>;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The tests' own setup: a migrated embedded Postgres, the Temporal binaries and one workflow bundle.
  await globalSetup();
  const db = testDb();
  const recorded: Recorded[] = [];
  try {
    await mkdir(SET_DIR, { recursive: true });
    const devServer = await startDevServer();
    try {
      const recorder = recorderFor(devServer, db, 'dev server', recorded);
      await recordDeliveredYear(recorder);
      await recordProfileChange(recorder);
      await recordFailedThenRedriven(recorder);
      await recordDeletion(recorder);
      await recordPaused(recorder);
      await recordUnplannableThenFixed(recorder);
      await recordManyChanges(recorder);
    } finally {
      await devServer.teardown();
    }
    const timeSkipping = await startTimeSkippingServer();
    try {
      await recordThreeYears(recorderFor(timeSkipping, db, 'time-skipping test server', recorded));
    } finally {
      await timeSkipping.teardown();
    }
    await writeFile(path.join(SET_DIR, 'README.md'), readme(recorded));
  } finally {
    await db.$disconnect();
    await globalTeardown();
  }
  console.log(`recorded ${recorded.length} histories into ${path.relative(process.cwd(), SET_DIR)}`);
}

/** (1) A year delivered on time, the run continuing as new, and the next year's run asleep until its birthday. */
async function recordDeliveredYear({ env, db, save }: Recorder): Promise<void> {
  const { person, deliveryTime } = dueSoon(DUE_IN_SECONDS);
  await withStack(env, db, { deliveryTime }, async ({ api, receiver }) => {
    const user = await createUser(api.url, person);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const firstRunId = (await handle.describe()).runId;
    await receiver.waitForRequests(1);
    const nextRunId = await runAfter(env, handle.workflowId, firstRunId);
    await save('delivered-year-run1.json', handle.workflowId, firstRunId);
    await save('delivered-year-run2.json', handle.workflowId, nextRunId);
  });
}

/** (2) Two profile changes (PUT /users/:id): each reaches the sleeping workflow as a `changeSchedule` Update. */
async function recordProfileChange({ env, db, save }: Recorder): Promise<void> {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 30);
    const dueMs = await nextDueMs(env, user.id);
    const laterDate = new Date(Date.parse(`${user.birthday}T00:00:00Z`) + 10 * DAY_MS).toISOString().slice(0, 10);
    await putUser(api.url, user, { birthday: laterDate });
    await putUser(api.url, user, { birthday: laterDate, timezone: 'America/New_York' });
    if ((await nextDueMs(env, user.id)) <= dueMs) throw new Error('the profile change did not move the timer later');
    const workflowId = workflowIdFor(user.id, 'birthday');
    const { runId } = await env.client.workflow.getHandle(workflowId).describe();
    await save('profile-change.json', workflowId, runId);
  });
}

/**
 * (3) The receiver rejects the greeting (400): recorded as failed, the run continues as new; the operator's
 * retry (POST /users/:id/deliveries/:deliveryId/retry) re-drives it through the `redriveDelivery` Update, accepted.
 */
async function recordFailedThenRedriven({ env, db, save }: Recorder): Promise<void> {
  const { person, deliveryTime } = dueSoon(DUE_IN_SECONDS);
  const receiver = { statusFor: (requestNumber: number) => (requestNumber === 1 ? 400 : 200) };
  await withStack(env, db, { deliveryTime, receiver }, async ({ api, receiver: webhook }) => {
    const user = await createUser(api.url, person);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const firstRunId = (await handle.describe()).runId;
    await webhook.waitForRequests(1);
    const nextRunId = await runAfter(env, handle.workflowId, firstRunId);
    const failed = await eventually(async () => {
      const ledger = await call(api.url, 'GET', `/users/${user.id}/deliveries`);
      return (ledger.body.items as Array<{ id: string; status: string }>).find((item) => item.status === 'failed');
    }, 'the ledger to record the rejected delivery as failed');

    const retry = await call(api.url, 'POST', `/users/${user.id}/deliveries/${failed.id}/retry`);
    if (retry.status !== 202) throw new Error(`the retry answered ${retry.status}: ${JSON.stringify(retry.body)}`);
    await webhook.waitForRequests(2);
    const updateCompleted = (event: HistoryEvent) => !!event.workflowExecutionUpdateCompletedEventAttributes;
    await eventually(
      async () => ((await historyHas(env, handle.workflowId, nextRunId, updateCompleted)) ? true : undefined),
      'the re-drive Update to complete',
    );
    await save('failed-then-redriven-run1.json', handle.workflowId, firstRunId);
    await save('failed-then-redriven-run2.json', handle.workflowId, nextRunId);
  });
}

/** (4) DELETE /users/:id: the sleeping workflow is cancelled. */
async function recordDeletion({ env, db, save }: Recorder): Promise<void> {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 30);
    await nextDueMs(env, user.id);
    const deleted = await call(api.url, 'DELETE', `/users/${user.id}`);
    if (deleted.status !== 204) throw new Error(`DELETE answered ${deleted.status}`);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const { runId } = await eventually(async () => {
      const description = await handle.describe();
      return description.status.name === 'CANCELLED' ? description : undefined;
    }, 'the workflow to be cancelled');
    await save('deleted.json', handle.workflowId, runId);
  });
}

/** (6) A paused user's birthday is skipped; the next run is resumed and plans again. */
async function recordPaused({ env, db, save }: Recorder): Promise<void> {
  const { person, deliveryTime } = dueSoon(DUE_IN_SECONDS);
  await withStack(env, db, { deliveryTime }, async ({ api }) => {
    const user = await createUser(api.url, person);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const firstRunId = (await handle.describe()).runId;
    await expectStatus(call(api.url, 'POST', `/users/${user.id}/pause`, { reason: 'on leave' }), 200);
    const nextRunId = await runAfter(env, handle.workflowId, firstRunId);
    await expectStatus(call(api.url, 'POST', `/users/${user.id}/resume`), 200);
    await eventually(async () => {
      const state = await handle.query(scheduleStateQuery);
      return state.paused === null && state.stage === 'sleeping' ? true : undefined;
    }, 'the next run to plan without the pause');
    await save('paused-run1.json', handle.workflowId, firstRunId);
    await save('paused-run2.json', handle.workflowId, nextRunId);
  });
}

/** (7) A zone the worker cannot plan, found on `refreshSchedule`; a PUT with a known zone plans again. */
async function recordUnplannableThenFixed({ env, db, save }: Recorder): Promise<void> {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 30);
    await nextDueMs(env, user.id);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    await db.user.update({ where: { id: user.id }, data: { timezone: 'Mars/Olympus' } });
    await handle.signal(refreshScheduleSignal);
    await eventually(
      async () => ((await handle.query(scheduleStateQuery)).stage === 'unplannable' ? true : undefined),
      'the run to find its schedule unplannable',
    );
    await putUser(api.url, user, { timezone: 'Europe/Oslo' });
    const { runId } = await handle.describe();
    await save('unplannable-then-fixed.json', handle.workflowId, runId);
  });
}

/** (8) Many schedule changes, one `PUT` after another: the first run's history past the history budget. */
async function recordManyChanges({ env, db, save }: Recorder): Promise<void> {
  await withStack(env, db, {}, async ({ api }) => {
    const user = await createUserDueIn(env, api, 30);
    await nextDueMs(env, user.id);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const firstRunId = (await handle.describe()).runId;
    const birthdayMs = Date.parse(`${user.birthday}T00:00:00Z`);
    for (let change = 1; change <= MANY_CHANGES; change += 1) {
      await putUser(api.url, user, { birthday: new Date(birthdayMs + change * DAY_MS).toISOString().slice(0, 10) });
    }
    const events = (await env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory()).events ?? [];
    if (events.length < HISTORY_EVENT_BUDGET)
      throw new Error(
        `${MANY_CHANGES} changes took the run to ${events.length} events, not past ${HISTORY_EVENT_BUDGET}`,
      );
    await save('many-changes.json', handle.workflowId, firstRunId);
  });
}

async function expectStatus(answer: ReturnType<typeof call>, status: number): Promise<void> {
  const { status: actual, body } = await answer;
  if (actual !== status) throw new Error(`expected ${status}, got ${actual}: ${JSON.stringify(body)}`);
}

/** (5) Three birthdays in a row, years apart: only the time-skipping server can let years pass. */
async function recordThreeYears({ env, db, save }: Recorder): Promise<void> {
  await withStack(env, db, {}, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
    const runIds = [(await handle.describe()).runId];
    for (let year = 1; year <= 3; year += 1) {
      await skipPast(env, await nextDueMs(env, user.id));
      await receiver.waitForRequests(year);
      runIds.push(await runAfter(env, handle.workflowId, runIds[runIds.length - 1]!));
    }
    for (const [index, runId] of runIds.entries())
      await save(`three-years-run${index + 1}.json`, handle.workflowId, runId);
  });
}

function recorderFor(env: TestWorkflowEnvironment, db: Db, server: Recorded['server'], recorded: Recorded[]): Recorder {
  return {
    env,
    db,
    server,
    async save(file, workflowId, runId) {
      const description = CASES[file];
      if (!description) throw new Error(`${file} is not one of the recorded cases`);
      await writeFile(path.join(SET_DIR, file), await showHistoryJson(env.address, workflowId, runId));
      recorded.push({ file, server, description });
      console.log(`  ${file}`);
    },
  };
}

const run = promisify(execFile);

/** The real CLI's export, byte for byte: this is the format operators hand to `npm run replay -- --file`. */
async function showHistoryJson(address: string, workflowId: string, runId: string): Promise<string> {
  const cli = await ensureTemporalCli();
  const args = [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--run-id',
    runId,
    '--output',
    'json',
    '--address',
    address,
  ];
  const { stdout } = await run(cli, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The id of the run that continued `runId`, once it has planned its occurrence (its timer is then started). */
async function runAfter(env: TestWorkflowEnvironment, workflowId: string, runId: string): Promise<string> {
  return eventually(async () => {
    const { runId: current } = await env.client.workflow.getHandle(workflowId).describe();
    if (current === runId) return undefined;
    return (await historyHas(env, workflowId, current, (event) => !!event.timerStartedEventAttributes))
      ? current
      : undefined;
  }, `the run after ${runId} to plan its occurrence`);
}

/** Whether the run's history holds an event that `matches`. */
async function historyHas(
  env: TestWorkflowEnvironment,
  workflowId: string,
  runId: string,
  matches: (event: HistoryEvent) => boolean,
) {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).some(matches);
}

async function createUser(apiUrl: string, person: Record<string, string>) {
  const created = await call(apiUrl, 'POST', '/users', person);
  if (created.status !== 201)
    throw new Error(`POST /users answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body as { id: string };
}

async function putUser(
  apiUrl: string,
  user: Awaited<ReturnType<typeof createUserDueIn>>,
  changes: Record<string, string>,
) {
  const { firstName, lastName, birthday, timezone } = user;
  const updated = await call(apiUrl, 'PUT', `/users/${user.id}`, {
    firstName,
    lastName,
    birthday,
    timezone,
    ...changes,
  });
  if (updated.status !== 200)
    throw new Error(`PUT /users/${user.id} answered ${updated.status}: ${JSON.stringify(updated.body)}`);
}

function readme(recorded: Recorded[]): string {
  const rows = recorded.map(({ file, server, description }) => `| \`${file}\` | ${server} | ${description} |`);
  return `# Histories recorded on ${path.basename(SET_DIR)}

Made by \`npm run record-histories\` from the workflow code of the commit that added this folder; each file is one
run, exported with \`temporal workflow show --output json\` (CLI v${TEMPORAL_CLI_VERSION}). The users are test users
(\`Ada Lovelace\`) created through \`POST /users\` of the real API, with embedded Postgres, a real worker and a local
webhook receiver. Dev server runs are in real time (\`temporal server start-dev\`); the chain of years comes from the
Java time-skipping test server v${TEST_SERVER_VERSION}, since years cannot pass on a real clock.

| File | Server | What the run did |
| --- | --- | --- |
${rows.join('\n')}
`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});

function newSetDir(root: string, day: string): string {
  for (let n = 1; ; n += 1) {
    const dir = path.join(root, n === 1 ? day : `${day}-${n}`);
    if (!existsSync(dir)) return dir;
  }
}
