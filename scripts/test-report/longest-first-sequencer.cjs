// Jest's own order, longest file first, needs the durations of an earlier run from its cache, which a fresh clone
// (CI) does not have: it would then start the files by size, and a short file holding a long test (the chaos run,
// schemathesis) could start last and leave the other workers idle. Where the cache knows nothing, this falls back to
// the durations measured in a full run and committed beside it (`node scripts/test-report/slowest-files.cjs --save`).
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const MEASURED = path.join(__dirname, 'file-durations.json');

/** @returns {Map<string, number>} seconds by test file path relative to the project */
function measuredDurations() {
  if (!existsSync(MEASURED)) return new Map();
  /** @type {unknown} */
  const parsed = JSON.parse(readFileSync(MEASURED, 'utf8'));
  const report = /** @type {import('./format-durations.cjs').DurationReport} */ (parsed);
  return new Map(report.files.map((file) => [file.file, file.seconds]));
}

class LongestFirstSequencer extends Sequencer {
  measured = measuredDurations();

  /** @param {import('@jest/test-result').Test} test */
  time(test) {
    const relative = path.relative(test.context.config.rootDir, test.path);
    const seconds = this.measured.get(relative);
    // time() is where Jest's sort reads a file's expected duration (private in its types, so untyped here).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return
    return super.time(test) ?? (seconds === undefined ? undefined : seconds * 1000);
  }
}

module.exports = LongestFirstSequencer;
