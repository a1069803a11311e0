import { writeFile } from 'node:fs/promises';
import { ApiCallError, GreetingsApi } from './greetings-api';
import { commandOrExit, IMPORT_USAGE, parseImportCommand } from './command-line';
import { importFile, type ImportFileResult } from './import-file';
import { progressFileOf } from './import-progress-file';
import { importProgressBar } from './progress-bar';

/** `npm run import -- people.csv`: creates or updates one user per row, at a bounded rate, resumable. */
async function main(): Promise<number> {
  const parsed = await commandOrExit(() => parseImportCommand(process.argv.slice(2), process.env), IMPORT_USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  const api = new GreetingsApi(command.url, command.apiKey);
  const bar = importProgressBar();
  const startedAt = performance.now();
  let result: ImportFileResult;
  try {
    result = await importFile(api, command, bar);
  } catch (error) {
    bar.stop();
    if (!(error instanceof ApiCallError)) throw error;
    console.error(`import stopped: ${error.message}`);
    console.error(`its place is kept in ${progressFileOf(command.file)}: run the same command again to continue`);
    return 1;
  }
  bar.stop();
  const seconds = (performance.now() - startedAt) / 1000;
  const sent = result.rows - result.resumedAfter;
  const { created, updated, unchanged, refused } = result.counts;
  console.log(
    `${command.file}: ${result.rows} rows: created ${created}, updated ${updated}, unchanged ${unchanged}, ` +
      `refused ${refused}` +
      (result.resumedAfter > 0 ? ` (this run went on after the ${result.resumedAfter} rows done before)` : '') +
      `; ${sent} rows in ${seconds.toFixed(1)} s, ${(sent / Math.max(seconds, 0.001)).toFixed(1)} rows/s`,
  );
  for (const row of result.refusedRows) {
    const details = row.error.details.map((detail) => `${detail.path || '(row)'}: ${detail.message}`).join('; ');
    console.log(`line ${row.line}: ${row.error.code}: ${row.error.message}${details ? ` (${details})` : ''}`);
  }
  if (command.reportFile !== undefined) {
    await writeFile(command.reportFile, JSON.stringify({ ...result.counts, refusedRows: result.refusedRows }, null, 2));
  }
  return refused > 0 ? 3 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`import failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
