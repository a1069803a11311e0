import { readFileSync } from 'node:fs';
import { childrenByParent, descendantsOf, readStat } from '../../bench/process-usage';

/** A process as /proc shows it: its pid with its start time, so that a pid used again later is not mistaken for it. */
export interface ProcessRecord {
  pid: number;
  startTime: string;
  commandLine: string;
}

/** `rootPid` and every process below it now. */
export function processTree(rootPid: number): ProcessRecord[] {
  return descendantsOf(rootPid, childrenByParent()).flatMap((pid) => {
    const stat = readStat(pid);
    return stat ? [{ pid, startTime: stat.startTime, commandLine: commandLineOf(pid) }] : [];
  });
}

/** Those of `processes` still running (an exited one not yet reaped does not count). */
export function stillRunning(processes: ProcessRecord[]): ProcessRecord[] {
  return processes.filter((process) => {
    const stat = readStat(process.pid);
    return stat !== undefined && stat.startTime === process.startTime && stat.state !== 'Z';
  });
}

/** Waits until none of `processes` runs, for up to `timeoutMs`; returns those still running then. */
export async function untilGone(processes: ProcessRecord[], timeoutMs: number): Promise<ProcessRecord[]> {
  const deadline = Date.now() + timeoutMs;
  while (stillRunning(processes).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return stillRunning(processes);
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
