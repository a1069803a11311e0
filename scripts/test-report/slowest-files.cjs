#!/usr/bin/env node
// Prints the slowest test files of the last `npm test` (or of a file-durations.json given as the first argument).
//   node scripts/test-report/slowest-files.cjs [path/to/file-durations.json] [--top N] [--save]
// --save keeps those durations as the order a fresh clone's run starts its files in (longest-first-sequencer.cjs):
// do it after a full, green run when files were added or their cost changed much.
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { formatDurations } = require('./format-durations.cjs');

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 30;
const saveIndex = args.indexOf('--save');
if (saveIndex >= 0) args.splice(saveIndex, 1);
const file = args[0] ?? path.join(__dirname, '../../.test-results/file-durations.json');
/** @type {unknown} */
const parsed = JSON.parse(readFileSync(file, 'utf8'));
const report = /** @type {import('./format-durations.cjs').DurationReport} */ (parsed);
process.stdout.write(`${formatDurations(report, top)}\n`);

if (saveIndex >= 0) {
  const failed = report.files.filter((entry) => entry.failed);
  if (failed.length > 0) throw new Error(`not saved: ${failed.length} files failed in that run`);
  const saved = path.join(__dirname, 'file-durations.json');
  writeFileSync(saved, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`saved as ${path.relative(process.cwd(), saved)}\n`);
}
