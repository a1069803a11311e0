// A Jest reporter that keeps the suite's time budget in sight: after every run it prints the wall time, the summed
// file time and the slowest test files, and writes every file's duration to .test-results/file-durations.json
// (`node scripts/test-report/slowest-files.cjs` prints that file again, e.g. to compare two runs).
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { formatDurations } = require('./format-durations.cjs');

/** Seconds every core of the machine spent busy (not idle) since boot: the run's cost whoever spent it. */
function machineCpuSeconds() {
  const busy = os.cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);
  return { busy: busy / 1000 };
}

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
    /** @type {Map<string, number>} when each file was handed to a worker */
    this.fileStarts = new Map();
    this.startedAt = Date.now();
    this.cpuAtStart = machineCpuSeconds();
  }

  onRunStart() {
    this.startedAt = Date.now();
    this.cpuAtStart = machineCpuSeconds();
  }

  /** @param {import('@jest/test-result').Test} test */
  onTestFileStart(test) {
    this.fileStarts.set(test.path, Date.now());
  }

  /**
   * @param {unknown} _test
   * @param {import('@jest/test-result').TestResult} result
   */
  onTestResult(_test, result) {
    const { start, end } = result.perfStats;
    const handedOver = this.fileStarts.get(result.testFilePath) ?? start;
    this.files.push({
      file: path.relative(this.rootDir, result.testFilePath),
      seconds: (end - start) / 1000,
      startedAtSeconds: (handedOver - this.startedAt) / 1000,
      tests: result.numPassingTests + result.numFailingTests + result.numPendingTests,
      failed: result.numFailingTests > 0 || result.testExecError !== undefined,
    });
  }

  onRunComplete() {
    const wallSeconds = (Date.now() - this.startedAt) / 1000;
    const now = machineCpuSeconds();
    const cpu = { cores: os.cpus().length, busySeconds: now.busy - this.cpuAtStart.busy };
    const report = { wallSeconds, cpu, files: [...this.files].sort((a, b) => b.seconds - a.seconds) };
    const dir = path.join(this.rootDir, '.test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'file-durations.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`\n${formatDurations(report, this.top)}\n`);
  }
}

module.exports = SlowestFilesReporter;
