import type { EventType } from '../domain/event-type';
import type { Pause, RunStage } from '../domain/schedule-state';
import type { Occurrence } from '../time/next-occurrence';
import type { DeliveryRecord } from './delivery-record';

/**
 * What the Temporal Web UI shows for a greeting run: one-line summaries and Markdown details. Pure and free of
 * personal data (user ids, dates and zones only), so workflow code can use it and anyone with UI access may read it.
 */

/** The workflow's fixed summary, given when it is started: whose run it is. */
export function runSummary(eventType: EventType, userId: string): string {
  return `${eventType} greetings for user ${userId}`;
}

/** `2027-03-14 09:00 Asia/Kolkata`: the due moment as the person's wall clock shows it (seconds only when set). */
export function localDueTime(occurrence: Occurrence, timezone: string): string {
  const clock = occurrence.localDateTime.slice(11, 19);
  const shown = clock.endsWith(':00') ? clock.slice(0, 5) : clock;
  return `${occurrence.localDate} ${shown} ${timezone}`;
}

/**
 * The static details of a run started with its plan and a start delay (a new user's, a restored one): what the Web UI
 * shows while the run has not woken, so no query answers and it has no current details yet.
 */
export function delayedStartDetails(occurrence: Occurrence, timezone: string, wakesAt: Date): string {
  return [
    '**Started with its plan, waiting in a start delay**',
    '',
    '| | |',
    '| --- | --- |',
    `| Year | ${occurrence.year} |`,
    `| Due (local) | ${localDueTime(occurrence, timezone)} |`,
    `| Due (UTC) | ${occurrence.instant} |`,
    `| Wakes at | ${wakesAt.toISOString()} |`,
    '',
    'The plan as it was at the start; a later change wakes the run. GET /users/:id/next-delivery answers the plan that stands.',
  ].join('\n');
}

/** The summary of the timer a run sleeps on. */
export function sleepSummary(occurrence: Occurrence, timezone: string): string {
  return `sleep until ${localDueTime(occurrence, timezone)}`;
}

/** The summary of a delivery activity: `deliver birthday 2027`, or `re-deliver birthday 2026` for a re-drive. */
export function deliverySummary(eventType: EventType, occurrenceYear: number, redrive = false): string {
  return `${redrive ? 're-deliver' : 'deliver'} ${eventType} ${occurrenceYear}`;
}

export interface RunState {
  userId: string;
  eventType: EventType;
  timezone: string;
  stage: RunStage;
  /** The planned occurrence; absent while the first plan is being made or while no plan can be made. */
  next?: Occurrence;
  /** The user's pause: a due occurrence is recorded as skipped. */
  paused?: Pause | null;
  /** Why no plan can be made (stage `unplannable` or `plan-retrying`). */
  problem?: string | null;
  /** Who delivered the run's year, once known. */
  delivery?: DeliveryRecord;
}

/** The run's current details in Markdown: whose run, which year, the local and UTC due instant, and the stage. */
export function runDetails(state: RunState): string {
  const lines = [`**${runSummary(state.eventType, state.userId)}**`, '', '| | |', '| --- | --- |'];
  if (state.next) {
    lines.push(
      `| Year | ${state.next.year} |`,
      `| Due (local) | ${localDueTime(state.next, state.timezone)} |`,
      `| Due (UTC) | ${state.next.instant} |`,
    );
  }
  lines.push(`| Stage | ${state.stage} |`);
  if (state.paused) {
    const reason = state.paused.reason ? `: ${tableCell(state.paused.reason)}` : '';
    lines.push(`| Paused | since ${state.paused.since}${reason} |`);
  }
  if (state.problem) lines.push(`| Problem | ${tableCell(state.problem)} |`);
  if (state.delivery) {
    const { by, at, latenessMs } = state.delivery;
    const late = latenessMs === null ? '' : `, ${latenessMs} ms after the due moment`;
    lines.push(`| Delivered | by ${by}${at === null ? '' : ` at ${at}`}${late} |`);
  }
  return lines.join('\n');
}

/** Text inside one Markdown table cell: one line, no column breaks. */
function tableCell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}
