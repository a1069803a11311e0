/** @typedef {{ file: string, seconds: number, startedAtSeconds?: number, tests: number, failed: boolean }} FileDuration */
/** @typedef {{ wallSeconds: number, cpu?: { cores: number, busySeconds: number }, files: FileDuration[] }} DurationReport */

/**
 * The text of a run's time budget: wall time, summed file time, and the `top` slowest files.
 * @param {DurationReport} report
 * @param {number} top
 */
function formatDurations(report, top) {
  const sum = report.files.reduce((total, file) => total + file.seconds, 0);
  const cpu = report.cpu
    ? `; the machine's ${report.cpu.cores} cores were busy ${report.cpu.busySeconds.toFixed(0)} s ` +
      `(${((100 * report.cpu.busySeconds) / (report.cpu.cores * report.wallSeconds)).toFixed(0)} %)`
    : '';
  const lines = [
    `Test time: ${report.wallSeconds.toFixed(0)} s of wall time, ${sum.toFixed(0)} s summed over ` +
      `${report.files.length} files${cpu}.`,
    `The ${Math.min(top, report.files.length)} slowest files (started at, seconds into the run):`,
  ];
  for (const file of report.files.slice(0, top)) {
    const mark = file.failed ? '  FAILED' : '';
    const started = file.startedAtSeconds === undefined ? '' : `at ${file.startedAtSeconds.toFixed(0).padStart(4)} s`;
    lines.push(
      `  ${file.seconds.toFixed(1).padStart(7)} s ${started}  ${String(file.tests).padStart(3)} tests  ${file.file}${mark}`,
    );
  }
  return lines.join('\n');
}

module.exports = { formatDurations };
