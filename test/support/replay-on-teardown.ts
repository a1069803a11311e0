import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { replayHistories, type NamedHistory, type ReplayVerdict } from '../../src/replay/replay-histories';

/**
 * Task queues of workflow code other than the service's (none runs on a server today; the replay fixture
 * test/fixtures/workflow-with-extra-activity is only replayed): their histories are not the current code's to replay.
 */
export const OTHER_CODE_TASK_QUEUE_PREFIX = 'test-other-code-';

const GRPC_UNIMPLEMENTED = 12;
const CURRENT_CODE = () => ({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } });

/** The verdicts that are not `ok`, replaying every history in one replay worker against the tests' bundle. */
export async function unreplayable(histories: Iterable<NamedHistory> | AsyncIterable<NamedHistory>) {
  const failed: Array<Exclude<ReplayVerdict, { outcome: 'ok' }>> = [];
  for await (const verdict of replayHistories(histories, CURRENT_CODE())) {
    if (verdict.outcome !== 'ok') failed.push(verdict);
  }
  return failed;
}

/** Every run the server holds (running, closed, continued as new), but those of other workflow code. */
async function* everyHistory(client: Client, seen: Map<string, unknown>): AsyncGenerator<NamedHistory> {
  for (const { workflowId, runId, taskQueue } of await everyRun(client)) {
    if (taskQueue.startsWith(OTHER_CODE_TASK_QUEUE_PREFIX)) continue;
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const label = `${workflowId} run ${runId}`;
    seen.set(label, history);
    yield { label, workflowId, history };
  }
}

/** The dev server answers a visibility query; the Java test server only lists open and closed runs apart. */
async function everyRun(client: Client): Promise<Array<{ workflowId: string; runId: string; taskQueue: string }>> {
  try {
    const runs = [];
    for await (const { workflowId, runId, taskQueue } of client.workflow.list())
      runs.push({ workflowId, runId, taskQueue });
    return runs;
  } catch (error) {
    const cause = error instanceof Error && error.cause ? error.cause : error;
    if (!isGrpcServiceError(cause) || Number(cause.code) !== GRPC_UNIMPLEMENTED) throw error;
  }
  const { workflowService } = client.connection;
  const namespace = client.options.namespace;
  const listed = [
    ...(await workflowService.listOpenWorkflowExecutions({ namespace, maximumPageSize: 1000 })).executions,
    ...(await workflowService.listClosedWorkflowExecutions({ namespace, maximumPageSize: 1000 })).executions,
  ];
  return listed.map((info) => ({
    workflowId: info.execution!.workflowId!,
    runId: info.execution!.runId!,
    taskQueue: info.taskQueue ?? '',
  }));
}

/** Fails with each run that does not replay against the current code, and why. */
export async function expectEveryHistoryReplays(client: Client): Promise<void> {
  const histories = new Map<string, unknown>();
  const failed = await unreplayable(everyHistory(client, histories));
  if (failed.length > 0) {
    // Each failing history is kept where `npm run replay -- --file` can read it again.
    const lines = await Promise.all(
      failed.map(async ({ label, outcome, reason }) => {
        const file = path.join(tmpdir(), `unreplayable-${label.replace(/\W+/g, '-')}.json`);
        await writeFile(file, historyToJSON(histories.get(label) as never));
        return `${label}: ${outcome}: ${reason} (history in ${file})`;
      }),
    );
    throw new Error(`${failed.length} workflow histories do not replay against the current code:\n${lines.join('\n')}`);
  }
}

/**
 * Makes the environment's teardown replay every history its server holds first, so a history that today's code
 * cannot replay (a determinism bug that depends on timing, say) fails the test file that produced it.
 */
export function replayingOnTeardown(env: TestWorkflowEnvironment): TestWorkflowEnvironment {
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    try {
      await expectEveryHistoryReplays(env.client);
    } finally {
      await teardown();
    }
  };
  return env;
}
