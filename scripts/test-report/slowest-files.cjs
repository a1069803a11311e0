#!/usr/bin/env node
// Prints the slowest test files of the last `npm test` (or of a file-durations.json given as the first argument).
//   node scripts/test-report/slowest-files.cjs [path/to/file-durations.json] [--top N]
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { formatDurations } = require('./format-durations.cjs');

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 30;
const file = args[0] ?? path.join(__dirname, '../../.test-results/file-durations.json');
/** @type {unknown} */
const parsed = JSON.parse(readFileSync(file, 'utf8'));
const report = /** @type {import('./format-durations.cjs').DurationReport} */ (parsed);
process.stdout.write(`${formatDurations(report, top)}\n`);
