import { proxyActivities, setCurrentDetails, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from '../activities';
import { emptyTally, sumTallies, type DispatchTally } from '../domain/dispatch-tally';
import { dispatchDetails } from '../greetings/dispatch-description';
import { dispatchProgressQuery, type DueDispatchInput } from './definitions';

const { dispatchDueGreetings } = proxyActivities<activities.DispatchActivities>({
  // A pass ends when nothing of its instant is claimable; each page heartbeats, so a crashed worker's pass is taken
  // over in seconds (its claimed rows once their lease lapses).
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** The shortest wait between retry rounds: a row due again "now" is claimed in the next round, not in a loop. */
const MIN_ROUND_GAP_MS = 1_000;
/**
 * The passes start this long before the instant and wait for it in the activity, on the database's clock: the timer's
 * firing, a workflow task and the activity tasks' dispatch (a few hundred ms together) happen before the instant,
 * not between it and the first greeting.
 */
const EARLY_START_MS = 2_000;

/**
 * Sends every greeting armed for one due instant: from the instant, `passes` activities claim its rows page by page
 * side by side, then the run waits for the retries (each row's own backoff, on the database's clock) until every row
 * is settled or the retry horizon has passed; the users' own runs take over whatever is left. Never early: a row is
 * claimed only once the database's clock says it is due.
 */
export async function dueDispatchWorkflow(input: DueDispatchInput): Promise<DispatchTally> {
  const dueMs = Date.parse(input.dueAt);
  let tally = emptyTally();
  let stage = 'waiting for the instant';
  const show = () => setCurrentDetails(dispatchDetails(input.dueAt, stage, tally));
  setHandler(dispatchProgressQuery, () => ({ stage, tally }));
  show();
  const startMs = dueMs - EARLY_START_MS;
  if (startMs > Date.now()) await sleep(startMs - Date.now());
  for (;;) {
    stage = 'sending';
    show();
    const passes = await Promise.all(
      Array.from({ length: input.passes }, () => dispatchDueGreetings({ dueAt: input.dueAt })),
    );
    tally = sumTallies([tally, ...passes.map((pass) => pass.tally)]);
    const waits = passes.map((pass) => pass.nextClaimInMs).filter((wait): wait is number => wait !== null);
    const nextClaimInMs = waits.length === 0 ? null : Math.min(...waits);
    if (nextClaimInMs === null || Date.now() + nextClaimInMs > dueMs + input.retryHorizonMs) break;
    stage = 'waiting for retries';
    show();
    await sleep(Math.max(MIN_ROUND_GAP_MS, nextClaimInMs));
  }
  stage = 'done';
  show();
  return tally;
}
