import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import type { NextDelivery } from '../../src/domain/schedule-state';
import { dispatchWorkflowIdFor, workflowIdFor } from '../../src/greetings/ids';
import { parseHistoryJson } from '../../src/replay/history-json';
import { GreetingWorkflows } from '../../src/temporal/greeting-workflows';
import { greetingSearchAttributes, refreshScheduleUpdate, scheduleStateQuery } from '../../src/workflows/definitions';
import { useServiceOnDevServer } from '../support/dev-server';
import { testTemporalCli } from '../support/environment';
import { deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { sleep, eventually, type DueSoon } from '../support/real-time';
import { runBlock, runbookBlocks, runbookSqlNames } from '../support/runbook-blocks';
import type { ProcessResult } from '../support/run-process';
import { call, TEST_API_KEY } from '../support/service';
import { untilRunsStarted } from '../support/runs-started';
import type { TestReceiver } from '../support/test-receiver';

// Every command of docs/operations.md, run with bash against a real dev server, the real API, a real worker and real
// users, each checked for its effect. A block the runbook adds without a check here fails the first test.
const runbook = readFileSync(path.resolve(__dirname, '../../docs/operations.md'), 'utf8');
const blocks = runbookBlocks(runbook);
const checkedNames = new Set<string>();

/** A test of the runbook blocks `names`, run in that order by `check`'s calls to `run`. */
function runbookTest(names: string[], behaviour: string, check: () => Promise<void>): void {
  for (const name of names) checkedNames.add(name);
  test(`${names.join(' + ')}: ${behaviour}`, check);
}

let env: TestWorkflowEnvironment;
let db: Db;
let databaseUrl: string;
let taskQueue: string;
let due: DueSoon;
let receiver: TestReceiver;
let api: RunningHttpServer;
let workflows: GreetingWorkflows;
/** Users whose greeting the receiver refuses with 400 (until a test re-drives it). */
const refused = new Set<string>();

// A database of its own: `npm run reconcile` looks at every user in it.
useServiceOnDevServer(
  {
    label: 'runbook',
    dueInSeconds: 12,
    reconciler: true,
    // The users' runs wake up to 8 s after the instant: its dispatcher sends (a run waking with it could claim first).
    handOverWindowMs: 8_000,
    receiver: { statusFor: (_n, body) => (refused.has(String(body.userId)) ? 400 : 200) },
  },
  (service) => ({ env, db, databaseUrl, taskQueue, due, receiver, api } = service),
);

/** A user whose greeting went out today: two runs, the second asleep until next year. */
let delivered: { userId: string; firstRunId: string; year: number };
/** Users whose greeting the receiver refused today: each has a failed ledger row, and a second run. */
let failed: Array<{ userId: string; deliveryId: string; year: number }>;

beforeAll(async () => {
  workflows = new GreetingWorkflows(env.client, { taskQueue, callTimeoutMs: 10_000 });

  const [toDeliver, ...toRefuse] = await Promise.all([1, 2, 3].map(() => createUser(due.person)));
  for (const id of toRefuse) refused.add(id);
  const firstRunId = await currentRunId(toDeliver!);
  if ((await nextDeliveryOf(toDeliver!)).epochMs > Date.now() + 60_000) {
    throw new Error('the users were created after their greeting was due today (a very busy machine?)');
  }
  await receiver.waitForRequests(3, 60_000);
  const year = (await rowsOf(toDeliver!))[0]!.occurrenceYear;
  delivered = { userId: toDeliver!, firstRunId, year };
  failed = await Promise.all(
    toRefuse.map(async (userId) => {
      const row = await eventually(
        async () => (await rowsOf(userId)).find((item) => item.status === 'failed'),
        'a failed ledger row',
      );
      return { userId, deliveryId: row.id, year: row.occurrenceYear };
    }),
  );
  // Each workflow has moved on to next year; the receiver accepts from now on.
  for (const userId of [toDeliver!, ...toRefuse]) await nextYearPlanned(userId, year);
  refused.clear();
}, 120_000);

async function createUser(person: object): Promise<string> {
  const created = await call(api.url, 'POST', '/users', person);
  if (created.status !== 201)
    throw new Error(`POST /users answered ${created.status}: ${JSON.stringify(created.body)}`);
  // The API starts the run right after the answer.
  await untilRunsStarted(db, created.body.id);
  return created.body.id as string;
}

/** A user with a birthday a month away, in Kolkata: a new run, waiting in its start delay until shortly before it. */
const sleepingUser = () => createUser(personWithBirthdayIn(30, Date.now(), 'Asia/Kolkata'));

/** Such a user whose run an Update woke: it has planned for itself and sleeps on its timer. */
async function wokenUser(): Promise<string> {
  const userId = await sleepingUser();
  await handleOf(userId).executeUpdate(refreshScheduleUpdate);
  return userId;
}

const handleOf = (userId: string) => env.client.workflow.getHandle(workflowIdFor(userId, 'birthday'));
const currentRunId = async (userId: string) => (await handleOf(userId).describe()).runId;
const rowsOf = (userId: string) => deliveriesOf(db, userId);
const requestsFor = (userId: string) => receiver.requests.filter((request) => request.body.userId === userId);

async function nextDeliveryOf(userId: string): Promise<NextDelivery> {
  const next = await workflows.nextDelivery(userId, 'birthday');
  if (!next) throw new Error(`the workflow of user ${userId} is not running`);
  return next;
}

function nextYearPlanned(userId: string, year: number): Promise<NextDelivery> {
  return eventually(async () => {
    const next = await workflows.nextDelivery(userId, 'birthday').catch(() => null);
    return next && next.year > year ? next : undefined;
  }, `user ${userId}'s workflow to plan the year after ${year}`);
}

async function statusOf(userId: string): Promise<string> {
  return (await handleOf(userId).describe()).status.name;
}

/** Runs the runbook block `name` with its placeholders (`$USER_ID`, ...) given as environment variables. */
async function run(name: string, placeholders: Record<string, string> = {}): Promise<ProcessResult> {
  const block = blocks.find((candidate) => candidate.name === name);
  if (!block) throw new Error(`docs/operations.md has no block named ${name}`);
  const cliDir = path.dirname(testTemporalCli());
  const result = await runBlock(block.script, {
    ...process.env,
    PATH: `${cliDir}${path.delimiter}${process.env.PATH ?? ''}`,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: 'default',
    API: api.url,
    API_KEY: TEST_API_KEY,
    DATABASE_URL: databaseUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DELIVERY_TIME: due.deliveryTime,
    ...placeholders,
  });
  if (result.code !== 0) {
    throw new Error(
      `block ${name} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

function forUser(userId: string): Record<string, string> {
  return { USER_ID: userId, WORKFLOW_ID: workflowIdFor(userId, 'birthday') };
}

test('the runbook documents every query, Update and signal the workflow defines, by name', () => {
  const workflowSource = readFileSync(path.resolve(__dirname, '../../src/workflows/definitions.ts'), 'utf8');
  const label = ([, kind, name]: RegExpMatchArray) => `${kind} ${name}`;
  const defined = [...workflowSource.matchAll(/define(Query|Update|Signal)(?:<.*?>)?\('([^']+)'\)/g)].map(label);
  expect(defined).toEqual(
    expect.arrayContaining([
      'Query nextDelivery',
      'Update changeSchedule',
      'Update redriveDelivery',
      'Signal refreshSchedule',
      'Signal pause',
      'Signal resume',
    ]),
  );
  const documented = [...runbook.matchAll(/^\| (Query|Update|Signal) `(\w+)` \|/gm)].map(label);
  expect([...documented].sort()).toEqual([...defined].sort());
});

test('every command block of the runbook is named, and each name has a check here and each check a block', () => {
  expect(blocks.filter((block) => block.name === null).map((block) => `line ${block.line}`)).toEqual([]);
  const names = blocks.map((block) => block.name!);
  expect(new Set(names).size).toBe(names.length);
  expect([...names].sort()).toEqual([...checkedNames].sort());
});

runbookTest(
  ['register-search-attributes'],
  'the namespace knows each key the code defines, with its type',
  async () => {
    await run('register-search-attributes');
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of greetingSearchAttributes) {
      const registered = customAttributes?.[key.name];
      expect({
        name: key.name,
        type: registered === undefined ? undefined : temporal.api.enums.v1.IndexedValueType[registered],
      }).toEqual({
        name: key.name,
        type: `INDEXED_VALUE_TYPE_${key.type}`,
      });
    }
  },
);

runbookTest(['list-runs'], "lists this year's running run and last year's, continued as new", async () => {
  const { stdout } = await run('list-runs', forUser(delivered.userId));
  const workflowId = workflowIdFor(delivered.userId, 'birthday');
  expect(stdout).toMatch(new RegExp(`^\\s*Running\\s+${workflowId}\\s+yearlyGreetingWorkflow`, 'm'));
  expect(stdout).toMatch(new RegExp(`^\\s*ContinuedAsNew\\s+${workflowId}\\s+yearlyGreetingWorkflow`, 'm'));
});

runbookTest(
  ['list-due-between'],
  "finds a sleeping user's workflow by the window its next delivery falls in",
  async () => {
    const userId = await sleepingUser();
    const next = await nextDeliveryOf(userId);
    const window = {
      FROM: new Date(next.epochMs - 3_600_000).toISOString(),
      TO: new Date(next.epochMs + 3_600_000).toISOString(),
    };
    // Visibility catches up with the workflow's search attribute a moment after it plans.
    const listed = await eventually(async () => {
      const { stdout } = await run('list-due-between', { ...forUser(userId), ...window });
      return stdout.includes(workflowIdFor(userId, 'birthday')) ? stdout : undefined;
    }, 'the workflow to be listed in its window');
    expect(listed).toMatch(/Running/);
    const { stdout: earlier } = await run('list-due-between', {
      FROM: new Date(next.epochMs - 3 * 3_600_000).toISOString(),
      TO: new Date(next.epochMs - 2 * 3_600_000).toISOString(),
    });
    expect(earlier).not.toContain(workflowIdFor(userId, 'birthday'));
  },
);

runbookTest(['describe'], 'names the current run and no pending delivery', async () => {
  const { stdout } = await run('describe', forUser(delivered.userId));
  expect(stdout).toMatch(new RegExp(`RunId\\s+${await currentRunId(delivered.userId)}`));
  expect(stdout).toMatch(/Pending Activities: 0/);
});

runbookTest(['show-history'], "shows the current run's plan and its timer", async () => {
  const { stdout } = await run('show-history', forUser(delivered.userId));
  for (const eventType of ['WorkflowExecutionStarted', 'MarkerRecorded', 'TimerStarted'])
    expect(stdout).toContain(eventType);
});

runbookTest(['query-next-delivery'], "answers with next year's occurrence, as the workflow plans it", async () => {
  const next = await nextDeliveryOf(delivered.userId);
  const { stdout } = await run('query-next-delivery', forUser(delivered.userId));
  expect(next.year).toBe(delivered.year + 1);
  expect(stdout).toContain(`"instant":"${next.instant}"`);
  expect(stdout).toContain(`"year":${next.year}`);
});

runbookTest(['next-delivery-api'], 'answers the same occurrence through the API', async () => {
  const next = await nextDeliveryOf(delivered.userId);
  const { stdout } = await run('next-delivery-api', forUser(delivered.userId));
  expect(JSON.parse(stdout)).toEqual({
    eventType: 'birthday',
    occurrenceYear: next.year,
    occurrenceDate: next.localDate,
    timezone: next.timezone,
    instant: next.instant,
    localDateTime: next.localDateTime,
  });
});

runbookTest(
  ['export-history', 'replay-file'],
  'exports the current run as a history that npm run replay replays',
  async () => {
    const historyFile = path.join(tmpdir(), `runbook-history-${process.pid}.json`);
    try {
      const placeholders = { ...forUser(delivered.userId), HISTORY_FILE: historyFile };
      await run('export-history', placeholders);
      const exported = parseHistoryJson(readFileSync(historyFile, 'utf8'), historyFile);
      const fetched = await handleOf(delivered.userId).fetchHistory();
      expect(exported.events?.length).toBe(fetched.events?.length);

      const { stdout } = await run('replay-file', placeholders);
      expect(stdout).toContain(`OK      ${historyFile}`);
      expect(stdout).toContain('1 history replayed, 0 failed');
    } finally {
      await rm(historyFile, { force: true });
    }
  },
);

runbookTest(
  ['replay-server'],
  'replays the current run and the delivered one before it, from the server named by TEMPORAL_ADDRESS',
  async () => {
    const workflowId = workflowIdFor(delivered.userId, 'birthday');
    const { stdout } = await run('replay-server', forUser(delivered.userId));
    expect(stdout).toContain(`OK      ${workflowId} run ${await currentRunId(delivered.userId)}`);
    expect(stdout).toContain(`OK      ${workflowId} run ${delivered.firstRunId}`);
    expect(stdout).toContain('2 histories replayed, 0 failed');
  },
);

runbookTest(['list-deliveries'], 'shows the refused greeting as failed, with the id a re-drive needs', async () => {
  const [{ userId, deliveryId }] = failed as [(typeof failed)[number]];
  const { stdout } = await run('list-deliveries', forUser(userId));
  const items: Array<{ id: string; status: string; occurrenceYear: number }> = JSON.parse(stdout).items;
  // Newest first: next year, armed once the run had recorded the refusal, may already stand above it.
  expect(items.filter((item) => item.status !== 'scheduled')).toEqual([
    expect.objectContaining({ id: deliveryId, status: 'failed', responseStatus: 400 }),
  ]);
  for (const armed of items.filter((item) => item.status === 'scheduled')) {
    expect(armed.occurrenceYear).toBe(failed[0]!.year + 1);
  }
});

/** The dispatcher of the delivered user's instant: `dispatch-` and the instant in UTC. */
async function deliveredDispatch(): Promise<Record<string, string>> {
  const [row] = await rowsOf(delivered.userId);
  const dueAt = row!.scheduledAt.toISOString();
  return { DISPATCH_ID: dispatchWorkflowIdFor(dueAt), DUE_AT: dueAt };
}

runbookTest(
  ['list-dispatches', 'query-dispatch-progress', 'describe-dispatch'],
  "lists today's dispatchers, and one's progress and passes",
  async () => {
    const placeholders = await deliveredDispatch();
    expect((await run('list-dispatches')).stdout).toContain(placeholders.DISPATCH_ID);
    const { stdout } = await run('query-dispatch-progress', placeholders);
    expect(stdout).toContain('"stage":"done"');
    expect(stdout).toContain('"claimed":3');
    expect((await run('describe-dispatch', placeholders)).stdout).toContain('dueDispatchWorkflow');
  },
);

runbookTest(
  ['restart-dispatcher'],
  'a dispatcher started again for its instant claims nothing already settled and sends nothing again',
  async () => {
    const placeholders = await deliveredDispatch();
    const before = receiver.requests.length;
    await run('restart-dispatcher', placeholders);
    const handle = env.client.workflow.getHandle(placeholders.DISPATCH_ID!);
    expect(await handle.result()).toMatchObject({ claimed: 0, delivered: 0 });
    expect(receiver.requests).toHaveLength(before);
  },
);

runbookTest(['redrive-api'], 'sends the failed greeting again, once, and the ledger says delivered', async () => {
  const [{ userId, deliveryId, year }] = failed as [(typeof failed)[number]];
  const { stdout } = await run('redrive-api', { ...forUser(userId), DELIVERY_ID: deliveryId });
  expect(JSON.parse(stdout)).toEqual({ deliveryId, occurrenceYear: year, status: 'accepted' });
  await eventually(
    async () => ((await rowsOf(userId))[0]?.status === 'delivered' ? true : undefined),
    'the re-drive to deliver',
  );
  expect(requestsFor(userId).map((request) => request.body.deliveryId)).toEqual([deliveryId, deliveryId]);
});

runbookTest(
  ['redrive-cli'],
  'sends the failed greeting again through the Update and answers with the outcome',
  async () => {
    const [, { userId, deliveryId, year }] = failed as [unknown, (typeof failed)[number]];
    const { stdout } = await run('redrive-cli', { ...forUser(userId), YEAR: String(year) });
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'redriveDelivery',
      result: { outcome: 'delivered', deliveryId, responseStatus: 200 },
    });
    expect((await rowsOf(userId))[0]).toMatchObject({ id: deliveryId, status: 'delivered' });
    expect(requestsFor(userId)).toHaveLength(2);
  },
);

runbookTest(['update-profile'], 'saves the new birthday and zone, and moves the workflow timer to them', async () => {
  const userId = await sleepingUser();
  const before = await nextDeliveryOf(userId);
  const { stdout } = await run('update-profile', forUser(userId));
  const answer = JSON.parse(stdout);
  expect(answer).toMatchObject({
    id: userId,
    firstName: 'Ada',
    lastName: 'Lovelace',
    birthday: '1990-07-14',
    timezone: 'Europe/Paris',
  });
  const after = await nextDeliveryOf(userId);
  expect(after).toMatchObject({ localDate: expect.stringMatching(/-07-14$/), timezone: 'Europe/Paris' });
  expect(after.instant).not.toBe(before.instant);
  expect(answer.nextDelivery).toEqual(after);
  expect((await call(api.url, 'GET', `/users/${userId}`)).body).toMatchObject({
    birthday: '1990-07-14',
    timezone: 'Europe/Paris',
  });
});

/** Writes a new birthday straight into Postgres, as a restore or a fix by SQL would: the workflow is not told. */
async function changeRowBehindTheApi(userId: string, birthday: string): Promise<void> {
  await db.user.update({ where: { id: userId }, data: { birthday: new Date(birthday) } });
}

function plannedOn(userId: string, monthDay: string): Promise<NextDelivery> {
  return eventually(async () => {
    const next = await nextDeliveryOf(userId);
    return next.localDate.endsWith(monthDay) ? next : undefined;
  }, `user ${userId}'s workflow to plan ${monthDay}`);
}

runbookTest(['refresh-schedule-cli'], 'makes the workflow plan again from the row Postgres holds', async () => {
  const userId = await sleepingUser();
  expect((await nextDeliveryOf(userId)).localDate).not.toMatch(/-07-14$/);
  await changeRowBehindTheApi(userId, '1990-07-14');
  // Planned before the change, and not told of it: still the old date.
  expect((await nextDeliveryOf(userId)).localDate).not.toMatch(/-07-14$/);
  await run('refresh-schedule-cli', forUser(userId));
  expect(await plannedOn(userId, '-07-14')).toMatchObject({ timezone: 'Asia/Kolkata' });
});

runbookTest(
  ['refresh-schedule-batch', 'batch-describe'],
  'signals every running workflow through a batch job over a visibility query, and the job is watched to completion',
  async () => {
    // A run still in its start delay takes the signal when it wakes (docs/operations.md): these have woken.
    const users = [await wokenUser(), await wokenUser()];
    for (const userId of users) {
      await nextDeliveryOf(userId);
      await changeRowBehindTheApi(userId, '1990-09-09');
    }
    // Visibility lists a workflow a moment after it starts: the batch only reaches those it lists.
    const ids = users.map((userId) => `'${workflowIdFor(userId, 'birthday')}'`).join(', ');
    await eventually(async () => {
      const listed = await env.client.workflow.count(`ExecutionStatus='Running' AND WorkflowId IN (${ids})`);
      return listed.count === users.length ? true : undefined;
    }, 'visibility to list the workflows');
    const { stdout } = await run('refresh-schedule-batch');
    const jobId = /job id:?\s*([\w-]+)/i.exec(stdout)?.[1];
    expect(jobId).toBeDefined();
    const described = await eventually(async () => {
      const { stdout: description } = await run('batch-describe', { JOB_ID: jobId! });
      return /^\s*State\s+Completed\s*$/m.test(description) ? description : undefined;
    }, 'the batch job to complete');
    expect(described).toMatch(/^\s*FailureCount\s+0\//m);
    for (const userId of users) await plannedOn(userId, '-09-09');
  },
);

runbookTest(
  ['pause-api', 'resume-api'],
  "pauses and resumes through the API: saved in Postgres, the user's JSON and the run say so",
  async () => {
    // A run in its start delay reads the pause when it wakes; one that has woken plans with it at once.
    const userId = await wokenUser();
    const { stdout } = await run('pause-api', forUser(userId));
    expect(JSON.parse(stdout)).toMatchObject({ id: userId, paused: true, pauseReason: 'on leave' });
    await eventually(async () => {
      const state = await handleOf(userId).query(scheduleStateQuery);
      return state.paused?.reason === 'on leave' ? state : undefined;
    }, 'the run to plan with the pause');
    const resumed = await run('resume-api', forUser(userId));
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: userId, paused: false, pauseReason: null });
    await eventually(async () => {
      const state = await handleOf(userId).query(scheduleStateQuery);
      return state.paused === null ? state : undefined;
    }, 'the run to plan without the pause');
  },
);

runbookTest(
  ['pause-cli', 'resume-cli'],
  "the CLI's pause and resume Updates wake the run in its start delay and record the pause in Postgres themselves, and the user's JSON shows it",
  async () => {
    const userId = await sleepingUser();
    expect((await handleOf(userId).describe()).historyLength).toBe(1);
    await run('pause-cli', forUser(userId));
    const paused = await eventually(async () => {
      const user = (await call(api.url, 'GET', `/users/${userId}`)).body;
      return user.paused ? user : undefined;
    }, 'the pause to be recorded');
    expect(paused).toMatchObject({ pauseReason: 'asked by support' });
    await run('resume-cli', forUser(userId));
    await eventually(async () => {
      const user = (await call(api.url, 'GET', `/users/${userId}`)).body;
      return user.paused === false ? user : undefined;
    }, 'the pause to be lifted');
  },
);

runbookTest(['delete-user'], 'deletes the user and cancels the workflow', async () => {
  const userId = await sleepingUser();
  await run('delete-user', forUser(userId));
  await eventually(
    async () => ((await statusOf(userId)) === 'CANCELLED' ? true : undefined),
    'the workflow to be cancelled',
  );
  expect((await call(api.url, 'GET', `/users/${userId}`)).status).toBe(404);
});

runbookTest(['cancel-workflow'], 'cancels the workflow, and the user stays live in Postgres', async () => {
  const userId = await sleepingUser();
  await run('cancel-workflow', forUser(userId));
  await eventually(
    async () => ((await statusOf(userId)) === 'CANCELLED' ? true : undefined),
    'the workflow to be cancelled',
  );
  expect((await call(api.url, 'GET', `/users/${userId}`)).status).toBe(200);
});

runbookTest(
  ['reconcile'],
  'starts a new workflow for a live user whose workflow was cancelled, from the Postgres schedule',
  async () => {
    const userId = await sleepingUser();
    const plan = await nextDeliveryOf(userId);
    const cancelledRunId = await currentRunId(userId);
    await handleOf(userId).cancel();
    await eventually(
      async () => ((await statusOf(userId)) === 'CANCELLED' ? true : undefined),
      'the workflow to be cancelled',
    );

    const { stdout } = await run('reconcile', forUser(userId));
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ started: expect.any(Number), failed: 0 });
    expect(await statusOf(userId)).toBe('RUNNING');
    expect(await currentRunId(userId)).not.toBe(cancelledRunId);
    expect((await nextDeliveryOf(userId)).instant).toBe(plan.instant);
  },
);

runbookTest(
  ['count-running-workflows'],
  'counts the running greeting workflows of the task queue (a check after losing the Temporal store)',
  async () => {
    const query = `WorkflowType='yearlyGreetingWorkflow' AND ExecutionStatus='Running' AND TaskQueue='${taskQueue}'`;
    // Visibility catches up a moment after each start and end: asked until the CLI and the SDK agree.
    await eventually(async () => {
      const { stdout } = await run('count-running-workflows');
      const printed = Number(/Total: (\d+)/.exec(stdout)?.[1]);
      const { count } = await env.client.workflow.count(query);
      return printed === count && count > 0 ? true : undefined;
    }, 'the printed count to match the running workflows');
  },
);

runbookTest(
  ['sweep-now', 'sweep-progress'],
  "runs the fleet's full sweep now through its Schedule, and shows where the sweep stands",
  async () => {
    const finishedSweeps = async () => {
      const ids: string[] = [];
      for await (const execution of env.client.workflow.list({
        query: `WorkflowType = 'reconcileSweepWorkflow' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`,
      })) {
        ids.push(execution.workflowId);
      }
      return ids;
    };
    // The worker ran one sweep when it created the Schedule; the trigger runs another.
    const before = await eventually(async () => {
      const ids = await finishedSweeps();
      return ids.length > 0 ? ids : undefined;
    }, 'the first sweep to finish');
    await run('sweep-now');
    const triggered = await eventually(async () => {
      const ids = await finishedSweeps();
      return ids.find((id) => !before.includes(id));
    }, 'the triggered sweep to finish');

    const { stdout } = await run('sweep-progress', { SWEEP_WORKFLOW_ID: triggered });
    expect(stdout).toContain(triggered);
    expect(stdout).toMatch(/"after":\s*null/);
    expect(stdout).toMatch(/"users":\s*\d+/);
  },
);

test('every sql block of the runbook is named; the disaster-recovery tests run each against their database', () => {
  // temporal-store-lost.test.ts runs the first two, postgres-restored.test.ts the others.
  expect(runbookSqlNames(runbook)).toEqual(['live-users', 'recent-deliveries', 'restored-up-to', 'open-deliveries']);
});

// Last of the delivered user's tests: it ends the run the others look at.
runbookTest(
  ['reset'],
  'a reset of the delivered run makes a new run that plans next year and sends nothing again',
  async () => {
    const runBefore = await currentRunId(delivered.userId);
    const { stdout } = await run('reset', { ...forUser(delivered.userId), RUN_ID: delivered.firstRunId });
    expect(stdout).toMatch(/Resetting workflow/);

    const newRunId = await eventually(async () => {
      const runId = await currentRunId(delivered.userId);
      return runId !== runBefore && runId !== delivered.firstRunId ? runId : undefined;
    }, 'the reset to start a new run');
    expect(await statusOf(delivered.userId)).toBe('RUNNING');
    const next = await nextYearPlanned(delivered.userId, delivered.year);
    expect(next.year).toBe(delivered.year + 1);
    // The new run started from the delivered run's first task: its first decision failed by the reset, then redone.
    const events = (await handleOf(delivered.userId).fetchHistory()).events ?? [];
    expect(events.some((event) => !!event.workflowTaskFailedEventAttributes)).toBe(true);
    expect(await currentRunId(delivered.userId)).toBe(newRunId);
    // Give a wrongful second delivery time to happen: the ledger and the receiver still hold one.
    await sleep(2_000);
    expect(requestsFor(delivered.userId)).toHaveLength(1);
    expect((await rowsOf(delivered.userId)).map((row) => row.status)).toEqual(['delivered', 'scheduled']);
  },
);
