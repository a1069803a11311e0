import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeChartPng, type Chart } from '../bench/plots';
import { gitCommit, machine } from '../bench/report';
import { formatDistribution, formatMs, perSecond } from '../bench/stats';
import type { ChaosRun } from './run-chaos';

const FAULT_LABELS = {
  'kill-worker': 'kill -9 worker',
  'restart-temporal': 'Temporal restart',
  'restart-postgres': 'Postgres restart',
};

/** The run as a person reads it: settings, faults with their times, figures and every check. */
export function chaosMarkdown(run: ChaosRun, plotFile: string): string {
  const { figures, checks } = run.verdict;
  const at = (ms: number) => `${ms < run.dueMs ? '-' : '+'}${formatMs(Math.abs(ms - run.dueMs))}`;
  const mix = run.options.receiverMix;
  const lines = [
    `# Chaos run: ${run.options.users} users due at one instant — ${run.verdict.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `Started ${new Date(run.startedAtMs).toISOString()} · commit ${gitCommit()} · seed ${run.options.seed}`,
    `Machine: ${JSON.stringify(machine())}`,
    '',
    `Every user was born on today's date in ${run.timezone}; ${run.options.workers} workers (\`npm run worker\`) ran with`,
    `DELIVERY_TIME ${run.deliveryTime}, so all were due at ${new Date(run.dueMs).toISOString()} (times below are relative`,
    `to it). Receiver: ${pct(mix.serverError)} 5xx, ${pct(mix.tooManyRequests)} 429 with Retry-After,`,
    `${pct(mix.hang)} hang past WEBHOOK_TIMEOUT_MS (${run.options.webhookTimeoutMs} ms), ${pct(mix.drop)} connection dropped after`,
    `reading the body${run.options.maxFailuresPerKey === undefined ? '' : `; at most ${run.options.maxFailuresPerKey} failed answers per greeting`}.`,
    '',
    '## Checks',
    '',
    '| check | found | |',
    '|---|---|---|',
    ...checks.map((check) => `| ${check.name} | ${check.found} | ${check.ok ? 'ok' : '**FAILED**'} |`),
    '',
    '## Figures',
    '',
    '| figure | value |',
    '|---|---|',
    `| users due | ${figures.due} |`,
    `| ledger rows by status | ${
      Object.entries(figures.ledgerByStatus)
        .map(([status, count]) => `${status} ${count}`)
        .join(', ') || 'none'
    } |`,
    `| POSTs received | ${figures.posts} (${Object.entries(figures.answers)
      .map(([answer, count]) => `${answer} ${count}`)
      .join(', ')}) |`,
    `| distinct Idempotency-Keys received / taken | ${figures.distinctKeysReceived} / ${figures.distinctKeysTaken} |`,
    `| repeat POSTs (a key seen before) | ${figures.repeatPosts}, of them ${figures.repeatsAfterTaken} after the key was answered 200 |`,
    `| users with greetings under two keys | ${figures.usersWithSeveralKeys} |`,
    `| lateness (first 200 minus due instant) | ${formatDistribution(figures.latenessMs)} |`,
    `| settled (every row final) | ${run.settledAtMs === null ? 'not within the timeout' : at(run.settledAtMs)} |`,
    '',
    '## Faults injected',
    '',
    '| at | fault | outage | detail |',
    '|---|---|---|---|',
    ...run.faults.map(
      (fault) => `| ${at(fault.atMs)} | ${fault.kind} | ${formatMs(fault.outageMs)} | ${fault.detail} |`,
    ),
    '',
    `![greetings taken per second, with the faults](${plotFile})`,
    '',
  ];
  return lines.join('\n');
}

/** Greetings first taken per second and failed answers per second from the due instant, the faults marked. */
export function deliveriesChart(run: ChaosRun): Chart {
  const taken = new Set<string>();
  const firstTaken: number[] = [];
  const failed: number[] = [];
  for (const post of run.posts) {
    if (post.answer !== 'ok') failed.push(post.receivedAtMs);
    else if (post.idempotencyKey && !taken.has(post.idempotencyKey)) {
      taken.add(post.idempotencyKey);
      firstTaken.push(post.receivedAtMs);
    }
  }
  const start = Math.min(run.dueMs, ...run.faults.map((fault) => fault.atMs));
  // The retry tail (a greeting failed 7 times waits 10 s × 2^6 for its 8th attempt) would squeeze the rush into a
  // sliver: draw until the 99th percentile or the last fault, whichever is later, and say how many came after.
  const lastFaultMs = Math.max(run.dueMs, ...run.faults.map((fault) => fault.atMs));
  const endMs = Math.max(lastFaultMs, run.dueMs + (run.verdict.figures.latenessMs.p99 ?? 0)) + 30_000;
  const drawn = (times: number[]) => times.filter((time) => time < endMs);
  const offChart = firstTaken.length - drawn(firstTaken).length;
  const takenPerSecond = perSecond(drawn(firstTaken), start);
  const failedPerSecond = perSecond(drawn(failed), start);
  const seconds = Math.max(takenPerSecond.length, failedPerSecond.length, 1);
  const pad = (values: number[]) => [...values, ...Array<number>(seconds - values.length).fill(0)];
  const tail = offChart > 0 ? ` · ${offChart} greetings later, off the chart` : '';
  return {
    title: `Chaos run: ${run.options.users} users due at one instant (seed ${run.options.seed})${tail}`,
    xTitle: 'seconds after the due instant',
    yTitle: 'per second',
    categories: Array.from({ length: seconds }, (_, second) => String(Math.round(second + (start - run.dueMs) / 1000))),
    series: [
      { name: 'greetings taken (first 200)', color: '#2b6cb0', values: pad(takenPerSecond) },
      { name: 'failed answers (injected)', color: '#dd6b20', values: pad(failedPerSecond) },
    ],
    style: 'lines',
    marks: run.faults.map((fault) => ({
      index: Math.floor((fault.atMs - start) / 1000),
      label: FAULT_LABELS[fault.kind],
    })),
  };
}

/** Writes `<stem>.json`, `<stem>.md` and `<stem>-deliveries.png` into `outDir`; returns their paths. */
export async function writeChaosResult(run: ChaosRun, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const stem = `${new Date(run.startedAtMs).toISOString().slice(0, 10)}-chaos-${run.options.users}-seed-${run.options.seed}`;
  const plotFile = `${stem}-deliveries.png`;
  const json = {
    startedAt: new Date(run.startedAtMs).toISOString(),
    commit: gitCommit(),
    machine: machine(),
    options: run.options,
    timezone: run.timezone,
    deliveryTime: run.deliveryTime,
    dueAt: new Date(run.dueMs).toISOString(),
    settledAfterDueMs: run.settledAtMs === null ? null : run.settledAtMs - run.dueMs,
    faults: run.faults.map((fault) => ({ ...fault, afterDueMs: fault.atMs - run.dueMs })),
    verdict: run.verdict,
  };
  const files = [path.join(outDir, `${stem}.json`), path.join(outDir, `${stem}.md`), path.join(outDir, plotFile)];
  await writeFile(files[0]!, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(files[1]!, chaosMarkdown(run, plotFile));
  await writeChartPng(deliveriesChart(run), files[2]!);
  return files;
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}
