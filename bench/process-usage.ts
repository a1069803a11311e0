import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** CPU time and memory of one kind of process of the stack, over some stretch of the run. */
export interface ProcessFigures {
  cpuMs: number;
  /** Highest sum of VmRSS over the processes of this kind in one sample (postgres: every backend, shared memory counted in each). */
  peakRssMb: number;
  /** Highest number of processes of this kind seen at once. */
  processes: number;
}

export type UsageByKind = Record<string, ProcessFigures>;

interface Sample {
  /** Cumulative CPU ms of every process ever seen, by kind (an exited process keeps its last reading). */
  cpuMs: Map<string, number>;
  rssKb: Map<string, number>;
  counts: Map<string, number>;
}

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture.
const TICK_MS = 10;
const INTERVAL_MS = 500;

/** A process the bench started, whose tree is measured: the root is counted as `kind`. */
export interface UsageRoot {
  pid: number;
  kind: string;
  /** The kind of the Postgres processes below it, where the tree runs a Postgres of its own ("postgres" if unset). */
  postgresKind?: string;
}

/**
 * Samples the process trees under `roots` every 500 ms from /proc: utime+stime per process and VmRSS, summed per
 * kind of process (temporal, postgres, npm start's API, its worker process, ...). Windows (`mark`/`end`)
 * give the same figures for a stretch of the run, such as the rush.
 */
export class ProcessUsage {
  private readonly cpuTicks = new Map<string, { kind: string; ticks: number }>();
  private timer: NodeJS.Timeout | undefined;
  private last: Sample | undefined;
  private readonly whole = { start: undefined as Sample | undefined, peaks: new Map<string, ProcessFigures>() };
  private readonly windows = new Map<string, { start: Sample; end?: Sample; peaks: Map<string, ProcessFigures> }>();

  constructor(private readonly roots: UsageRoot[]) {}

  start(): void {
    this.whole.start = this.sample();
    this.timer = setInterval(() => this.sample(), INTERVAL_MS);
    this.timer.unref();
  }

  /** Opens a window now; `end(name)` closes it. */
  mark(name: string): void {
    this.windows.set(name, { start: this.sample(), peaks: new Map() });
  }

  end(name: string): void {
    const window = this.windows.get(name);
    if (window && !window.end) window.end = this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** Figures for the whole run so far, or for a window (closed at its end, or now if still open). */
  figures(windowName?: string): UsageByKind {
    const window = windowName ? this.windows.get(windowName) : undefined;
    if (windowName && !window) return {};
    const start = window ? window.start : this.whole.start;
    const end = window?.end ?? this.last;
    const peaks = window ? window.peaks : this.whole.peaks;
    const result: UsageByKind = {};
    for (const [kind, peak] of peaks) {
      const cpuMs = (end?.cpuMs.get(kind) ?? 0) - (start?.cpuMs.get(kind) ?? 0);
      result[kind] = { cpuMs, peakRssMb: peak.peakRssMb, processes: peak.processes };
    }
    return result;
  }

  private sample(): Sample {
    const rssKb = new Map<string, number>();
    const counts = new Map<string, number>();
    const children = childrenByParent();
    const rootPids = new Set(this.roots.map((root) => root.pid));
    for (const root of this.roots) {
      // A root below another (npm start's worker process) is measured as itself, not as part of the one above.
      for (const pid of descendantsOf(root.pid, children, rootPids)) {
        const stat = readStat(pid);
        if (!stat) continue;
        const kind = pid === root.pid ? root.kind : kindOf(pid, root.postgresKind ?? 'postgres');
        this.cpuTicks.set(`${pid}:${stat.startTime}`, { kind, ticks: stat.ticks });
        rssKb.set(kind, (rssKb.get(kind) ?? 0) + readRssKb(pid));
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    }
    const cpuMs = new Map<string, number>();
    for (const { kind, ticks } of this.cpuTicks.values()) cpuMs.set(kind, (cpuMs.get(kind) ?? 0) + ticks * TICK_MS);
    const sample = { cpuMs, rssKb, counts };
    const open = [...this.windows.values()].filter((window) => !window.end).map((window) => window.peaks);
    for (const peaks of [this.whole.peaks, ...open]) {
      for (const [kind, kb] of rssKb) {
        const peak = peaks.get(kind) ?? { cpuMs: 0, peakRssMb: 0, processes: 0 };
        peak.peakRssMb = Math.max(peak.peakRssMb, kb / 1024);
        peak.processes = Math.max(peak.processes, counts.get(kind) ?? 0);
        peaks.set(kind, peak);
      }
    }
    this.last = sample;
    return sample;
  }
}

/** Every process's children, from the parent pid in each /proc/<pid>/stat. */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(Number(entry));
    children.set(stat.ppid, siblings);
  }
  return children;
}

/** The root and every process below it, but for those in `apart` and what is below them. */
export function descendantsOf(
  rootPid: number,
  children: Map<number, number[]>,
  apart: ReadonlySet<number> = new Set(),
): number[] {
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []).filter((child) => !apart.has(child)));
  }
  return found;
}

/** From /proc/<pid>/stat: its parent, state (`Z`: exited, not yet reaped), CPU ticks so far and start time. */
export function readStat(pid: number): { ppid: number; state: string; ticks: number; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between the listing and the read
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, starttime 22.
  return {
    ppid: Number(fields[1]),
    state: fields[0] ?? '',
    ticks: Number(fields[11]) + Number(fields[12]),
    startTime: fields[19] ?? '',
  };
}

function readRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** What a process below a root is, from its command line. */
function kindOf(pid: number, postgresKind: string): string {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return 'other';
  }
  const program = path.basename(args[0] ?? '');
  const commandLine = args.join(' ');
  // Postgres backends rename themselves ("postgres: postgres yearly_greetings 127.0.0.1(…) idle").
  if (program === 'postgres' || commandLine.startsWith('postgres:')) return postgresKind;
  // The dev server is the `temporal` CLI; --engine server runs the real server's binary.
  if (program === 'temporal') return 'temporal';
  if (program === 'temporal-server') return 'temporal-server';
  if (program === 'esbuild') return 'esbuild (tsx)';
  return program || 'other';
}
