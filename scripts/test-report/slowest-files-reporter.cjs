// A Jest reporter that keeps the suite's time budget in sight: after every run it prints the wall time, the summed
// file time and the slowest test files, and writes every file's duration to .test-results/file-durations.json
// (`node scripts/test-report/slowest-files.cjs` prints that file again, e.g. to compare two runs).
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { formatDurations } = require('./format-durations.cjs');

class SlowestFilesReporter {
  /**
   * @param {import('@jest/types').Config.GlobalConfig} globalConfig
   * @param {{ top?: number }} options
   */
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.top = options.top ?? 15;
    /** @type {import('./format-durations.cjs').FileDuration[]} */
    this.files = [];
    this.startedAt = Date.now();
  }

  onRunStart() {
    this.startedAt = Date.now();
  }

  /**
   * @param {unknown} _test
   * @param {import('@jest/test-result').TestResult} result
   */
  onTestResult(_test, result) {
    const { start, end } = result.perfStats;
    this.files.push({
      file: path.relative(this.rootDir, result.testFilePath),
      seconds: (end - start) / 1000,
      tests: result.numPassingTests + result.numFailingTests + result.numPendingTests,
      failed: result.numFailingTests > 0 || result.testExecError !== undefined,
    });
  }

  onRunComplete() {
    const wallSeconds = (Date.now() - this.startedAt) / 1000;
    const report = { wallSeconds, files: [...this.files].sort((a, b) => b.seconds - a.seconds) };
    const dir = path.join(this.rootDir, '.test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'file-durations.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`\n${formatDurations(report, this.top)}\n`);
  }
}

module.exports = SlowestFilesReporter;
