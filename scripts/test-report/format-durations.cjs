/** @typedef {{ file: string, seconds: number, tests: number, failed: boolean }} FileDuration */
/** @typedef {{ wallSeconds: number, files: FileDuration[] }} DurationReport */

/**
 * The text of a run's time budget: wall time, summed file time, and the `top` slowest files.
 * @param {DurationReport} report
 * @param {number} top
 */
function formatDurations(report, top) {
  const sum = report.files.reduce((total, file) => total + file.seconds, 0);
  const lines = [
    `Test time: ${report.wallSeconds.toFixed(0)} s of wall time, ${sum.toFixed(0)} s summed over ` +
      `${report.files.length} files; the ${Math.min(top, report.files.length)} slowest files:`,
  ];
  for (const file of report.files.slice(0, top)) {
    const mark = file.failed ? '  FAILED' : '';
    lines.push(
      `  ${file.seconds.toFixed(1).padStart(7)} s  ${String(file.tests).padStart(3)} tests  ${file.file}${mark}`,
    );
  }
  return lines.join('\n');
}

module.exports = { formatDurations };
