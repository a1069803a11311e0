import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../../src/greetings/ids';
import { parseHistoryJson, recordedWorkflowId } from '../../src/replay/history-json';
import { replayHistories, type NamedHistory, type ReplayVerdict } from '../../src/replay/replay-histories';
import { startDevServer, testDb } from '../support/environment';
import { runNpmScript } from '../support/run-process';
import { untilRunExists } from '../support/runs-started';
import { dueSoon, eventually } from '../support/real-time';
import { call } from '../support/service';
import { withStack } from '../support/stack';

const HISTORIES_DIR = path.resolve(__dirname, '../histories');
/** The service's workflow with one extra activity before it plans and sleeps: a change that breaks old histories. */
const BROKEN_WORKFLOWS = path.resolve(__dirname, '../fixtures/workflow-with-extra-activity');
const CURRENT_CODE = { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } };

/** Every recorded run of every set (`test/histories/<day>/<case>.json`), labelled `<day>/<case>.json`. */
function recordedHistories(): NamedHistory[] {
  return readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = parseHistoryJson(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'), file);
      return { label: file, workflowId: recordedWorkflowId(history) ?? path.basename(file, '.json'), history };
    });
}

async function verdicts(replaying: AsyncIterable<ReplayVerdict>): Promise<ReplayVerdict[]> {
  const all: ReplayVerdict[] = [];
  for await (const verdict of replaying) all.push(verdict);
  return all;
}

test('a run whose delivery result a replay hands over one workflow task earlier than the run saw it replays (test/fixtures/result-a-task-late)', async () => {
  const file = path.resolve(__dirname, '../fixtures/result-a-task-late/history.json');
  const history = parseHistoryJson(readFileSync(file, 'utf8'), file);
  const results = await verdicts(
    replayHistories([{ label: 'result-a-task-late', workflowId: recordedWorkflowId(history)!, history }], CURRENT_CODE),
  );
  expect(results).toEqual([{ label: 'result-a-task-late', outcome: 'ok' }]);
});

test('a run of the first workflow (no history budget) past 2,000 events replays (test/fixtures/first-run-past-2000-events)', async () => {
  const file = path.resolve(__dirname, '../fixtures/first-run-past-2000-events/history.json');
  const history = parseHistoryJson(readFileSync(file, 'utf8'), file);
  expect(history.events!.length).toBeGreaterThan(2_000);
  const results = await verdicts(
    replayHistories([{ label: 'first-run-past-2000-events', workflowId: recordedWorkflowId(history)!, history }], {
      ...CURRENT_CODE,
    }),
  );
  expect(results).toEqual([{ label: 'first-run-past-2000-events', outcome: 'ok' }]);
});

describe('the histories recorded from real servers (test/histories)', () => {
  const histories = recordedHistories();
  const sets = [...new Set(histories.map(({ label }) => path.dirname(label)))];
  const events = (file: string) => histories.find((h) => h.label === file)?.history.events ?? [];
  const anyHistory = (matches: (event: NonNullable<NamedHistory['history']['events']>[number]) => boolean) =>
    histories.some(({ history }) => (history.events ?? []).some(matches));

  test('hold several years of runs, a profile change, a failed and re-driven delivery and a deletion', () => {
    expect(sets.length).toBeGreaterThanOrEqual(1);
    expect(histories.length).toBeGreaterThanOrEqual(10 * sets.length);
    const updateNames = histories.flatMap(({ history }) =>
      (history.events ?? []).flatMap(
        (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? [],
      ),
    );
    expect(new Set(updateNames)).toEqual(new Set(['changeSchedule', 'redriveDelivery']));
    expect(anyHistory((event) => !!event.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    expect(anyHistory((event) => !!event.activityTaskFailedEventAttributes)).toBe(true);
    expect(anyHistory((event) => !!event.workflowExecutionCanceledEventAttributes)).toBe(true);
    // In each set, the chain of years: each run after the first continues the one before it.
    for (const set of sets) {
      for (const run of [1, 2, 3, 4]) {
        const started = events(path.join(set, `three-years-run${run}.json`))[0]
          ?.workflowExecutionStartedEventAttributes;
        expect(started?.workflowType?.name).toBe('yearlyGreetingWorkflow');
        if (run > 1) expect(started?.continuedExecutionRunId).toBeTruthy();
      }
    }
  });

  test('every one replays against the current workflow code without a determinism error', async () => {
    const results = await verdicts(replayHistories(histories, CURRENT_CODE));
    expect(results).toEqual(histories.map(({ label }) => ({ label, outcome: 'ok' })));
  });

  test("the SDK's history JSON (historyToJSON) is read and replayed like the CLI's", async () => {
    const asSdkJson = histories.map(({ label, workflowId, history }) => ({
      label,
      workflowId,
      history: parseHistoryJson(historyToJSON(history), label),
    }));
    expect(asSdkJson.map(({ history }) => history.events?.length)).toEqual(
      histories.map(({ history }) => history.events?.length),
    );
    const results = await verdicts(replayHistories(asSdkJson, CURRENT_CODE));
    expect(results).toEqual(histories.map(({ label }) => ({ label, outcome: 'ok' })));
  });

  test('the replayer catches a breaking change: an extra activity before the timer is a determinism error in each', async () => {
    const results = await verdicts(replayHistories(histories, { workflowsPath: BROKEN_WORKFLOWS }));
    expect(results.map(({ label, outcome }) => ({ label, outcome }))).toEqual(
      histories.map(({ label }) => ({ label, outcome: 'nondeterministic' })),
    );
  });
});

describe('npm run replay', () => {
  const oneHistory = path.join(HISTORIES_DIR, path.dirname(recordedHistories()[0]!.label), 'delivered-year-run1.json');

  test('--file against the changed code: prints FAILED with the reason and exits 1', async () => {
    const result = await runNpmScript('replay', ['--file', oneHistory, '--workflows', BROKEN_WORKFLOWS]);
    expect(result.stdout).toMatch(/^FAILED {2}.*delivered-year-run1\.json: nondeterministic: .+/m);
    expect(result.stdout).toMatch(/1 history replayed, 1 failed/);
    expect(result.code).toBe(1);
  });

  test('a file that is not a workflow history: exits 2 and says what is wrong, before any replay', async () => {
    const notAHistory = path.join(tmpdir(), `not-a-history-${process.pid}.json`);
    await writeFile(notAHistory, JSON.stringify({ workflowId: 'birthday-x' }));
    const result = await runNpmScript('replay', ['--file', notAHistory]);
    expect(result.stderr).toMatch(/not a workflow history: expected an object with an "events" array/);
    expect(result.stdout).not.toMatch(/^(OK|FAILED)/m);
    expect(result.code).toBe(2);
  });

  describe('--workflow-id, straight from a real dev server', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await startDevServer();
    });
    afterAll(async () => {
      await env?.teardown();
    });

    test('replays the current run and the run it continued from, prints OK for each and exits 0', async () => {
      const db = testDb();
      const { person, deliveryTime } = dueSoon(10);
      try {
        await withStack(env, db, { deliveryTime }, async ({ api, receiver }) => {
          const user = (await call(api.url, 'POST', '/users', person)).body as { id: string };
          const handle = env.client.workflow.getHandle(workflowIdFor(user.id, 'birthday'));
          await untilRunExists(env.client, user.id);
          const firstRunId = (await handle.describe()).runId;
          await receiver.waitForRequests(1);
          const nextRunId = await eventually(async () => {
            const { runId } = await handle.describe();
            return runId === firstRunId ? undefined : runId;
          }, 'the workflow to continue as new');

          const result = await runNpmScript('replay', ['--workflow-id', handle.workflowId, '--address', env.address]);
          expect(result.stdout.split('\n').filter((line) => /^(OK|FAILED)/.test(line))).toEqual([
            `OK      ${handle.workflowId} run ${nextRunId}`,
            `OK      ${handle.workflowId} run ${firstRunId}`,
          ]);
          expect(result.code).toBe(0);
        });
      } finally {
        await db.$disconnect();
      }
    });

    test('a workflow id the server does not know: exits 2 and names it', async () => {
      const result = await runNpmScript('replay', ['--workflow-id', 'birthday-nobody', '--address', env.address]);
      expect(result.stderr).toMatch(/no workflow birthday-nobody in namespace default/);
      expect(result.code).toBe(2);
    });
  });
});
