import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { parseHistoryJson, recordedWorkflowId } from '../../src/replay/history-json';
import type { NamedHistory } from '../../src/replay/replay-histories';
import { unreplayable } from '../support/replay-on-teardown';

// What every test server runs before its teardown (test/support/replay-on-teardown.ts): it must tell a history the
// current code replays from one it does not.

const RECORDED = path.resolve(__dirname, '../histories/2026-11-23-2/delivered-year-run1.json');

function recorded(): NamedHistory {
  const history = parseHistoryJson(readFileSync(RECORDED, 'utf8'), RECORDED);
  return { label: 'as recorded', workflowId: recordedWorkflowId(history)!, history };
}

/** The same run, as if the code had scheduled another activity than the delivery: the current code cannot replay it. */
function withAnotherActivity(): NamedHistory {
  const { workflowId, history } = recorded();
  const copy = temporal.api.history.v1.History.decode(temporal.api.history.v1.History.encode(history).finish());
  const scheduled = copy.events.find((event) => event.activityTaskScheduledEventAttributes)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'sendSomethingElse' };
  return { label: 'another activity', workflowId, history: copy };
}

test('passes a history the current code replays and names one it does not, with the reason', async () => {
  const failed = await unreplayable([recorded(), withAnotherActivity()]);
  expect(failed).toEqual([
    { label: 'another activity', outcome: 'nondeterministic', reason: expect.stringMatching(/sendSomethingElse/) },
  ]);
});

/** A run continued as new just before its worker stopped: started, and no workflow task ever completed. */
function neverRun(): NamedHistory {
  const { workflowId, history } = recorded();
  const copy = temporal.api.history.v1.History.decode(temporal.api.history.v1.History.encode(history).finish());
  copy.events.splice(1);
  return { label: 'never run', workflowId, history: copy };
}

test('a run that never had a workflow task decided nothing: it passes, and the replay does not wait for it', async () => {
  expect(await unreplayable([neverRun()])).toEqual([]);
  expect(await unreplayable([neverRun(), withAnotherActivity(), recorded()])).toEqual([
    expect.objectContaining({ label: 'another activity', outcome: 'nondeterministic' }),
  ]);
});
