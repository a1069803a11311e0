import { latenessP99Ms, type DispatchTally } from '../domain/dispatch-tally';

/** What the Temporal Web UI shows for a dispatch run (pure, counts only: no personal data). */

/** The dispatcher's fixed summary, given when it is started. */
export function dispatchSummary(dueAt: string): string {
  return `greetings due at ${dueAt}`;
}

/** The dispatcher's details: its instant, what it did so far, how late it sent. */
export function dispatchDetails(dueAt: string, stage: string, tally: DispatchTally): string {
  const p99 = latenessP99Ms(tally);
  const rows: [string, string | number][] = [
    ['due at', dueAt],
    ['stage', stage],
    ['rows claimed', tally.claimed],
    ['delivered', tally.delivered],
    ['retrying', tally.retrying],
    ['failed (receiver refused)', tally.failed],
    ['skipped (paused)', tally.skipped],
    ['cancelled (deleted)', tally.cancelled],
    ['missed (too late)', tally.missed],
    ['lateness p99', p99 === null ? '–' : p99 === Infinity ? 'over 1 h' : `≤ ${p99} ms`],
  ];
  return [
    `**${dispatchSummary(dueAt)}**`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  ].join('\n');
}
