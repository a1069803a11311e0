import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileRows, type FileFormat, type FileRow } from './file-rows';
import type { GreetingsApi } from './greetings-api';
import {
  loadProgress,
  progressFileOf,
  removeProgress,
  saveProgress,
  type ImportCounts,
  type ImportProgress,
  type RefusedRow,
} from './import-progress-file';
import { RowRate } from './row-rate';

export interface ImportFileOptions {
  file: string;
  format: FileFormat;
  /** Rows a second, at most, on average. */
  rate: number;
  /** Rows a request carries. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Ignore the progress of an interrupted run and send every row again. */
  fromStart: boolean;
}

export interface ImportFileResult {
  rows: number;
  /** Rows an earlier, interrupted run had done; this run went on after them. */
  resumedAfter: number;
  counts: ImportCounts;
  refusedRows: RefusedRow[];
}

/** Told as the import goes: the rows in the file, those done before, and the counts after each batch. */
export interface ImportListener {
  started(total: number, alreadyDone: number): void;
  progressed(done: number, counts: ImportCounts): void;
}

const NO_COUNTS: ImportCounts = { created: 0, updated: 0, unchanged: 0, refused: 0 };

/**
 * Sends the rows of a CSV or NDJSON file to POST /users/import in batches, at most `rate` rows a second, and keeps
 * where it stands in `<file>.import-progress` after each batch that every batch before it has finished too. Run again
 * after an interruption, it continues after the last row done; the progress file is removed once the file is done.
 */
export async function importFile(
  api: GreetingsApi,
  options: ImportFileOptions,
  listener: ImportListener,
): Promise<ImportFileResult> {
  const content = await readFile(options.file);
  const fileSha256 = createHash('sha256').update(content).digest('hex');
  const rows = fileRows(content, options.format);
  const progressFile = progressFileOf(options.file);
  const earlier = options.fromStart ? null : await loadProgress(progressFile, fileSha256);
  const progress: ImportProgress = earlier ?? { fileSha256, lastLineDone: 0, counts: NO_COUNTS, refusedRows: [] };
  const pending = rows.filter((row) => row.line > progress.lastLineDone);
  const resumedAfter = rows.length - pending.length;
  listener.started(rows.length, resumedAfter);

  const batches = batchesOf(pending, options.batchSize);
  const rate = new RowRate(options.rate);
  const answered: (BatchAnswer | undefined)[] = [];
  let committed = 0;
  let done = resumedAfter;
  let next = 0;
  let failed = false;
  let saving = Promise.resolve();
  /** Only a run of finished batches from the start moves the saved position: a re-run must not skip a row. */
  const commitFinished = async () => {
    while (answered[committed]) {
      const answer = answered[committed]!;
      progress.lastLineDone = answer.lastLine;
      progress.counts = add(progress.counts, answer.counts);
      progress.refusedRows.push(...answer.refusedRows);
      done += answer.rows;
      answered[committed++] = undefined;
      await saveProgress(progressFile, progress);
    }
  };
  const lane = async () => {
    while (next < batches.length && !failed) {
      const index = next++;
      const batch = batches[index]!;
      await rate.take(batch.filter((row) => 'body' in row).length);
      try {
        answered[index] = await sendBatch(api, batch);
      } catch (error) {
        failed = true;
        throw error;
      }
      // One save at a time, in order.
      saving = saving.then(commitFinished);
      await saving;
      listener.progressed(done, progress.counts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, batches.length)) }, lane));
  await removeProgress(progressFile);
  return { rows: rows.length, resumedAfter, counts: progress.counts, refusedRows: progress.refusedRows };
}

interface BatchAnswer {
  rows: number;
  lastLine: number;
  counts: ImportCounts;
  refusedRows: RefusedRow[];
}

/** Consecutive rows, `size` to be sent at most in each (rows refused before sending ride along). */
function batchesOf(rows: FileRow[], size: number): FileRow[][] {
  const batches: FileRow[][] = [];
  let current: FileRow[] = [];
  let sendable = 0;
  for (const row of rows) {
    current.push(row);
    if ('body' in row) sendable++;
    if (sendable === size) {
      batches.push(current);
      current = [];
      sendable = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

async function sendBatch(api: GreetingsApi, batch: FileRow[]): Promise<BatchAnswer> {
  const sendable = batch.filter((row): row is Extract<FileRow, { body: unknown }> => 'body' in row);
  const report = sendable.length > 0 ? await api.importRows(sendable.map((row) => row.body)) : null;
  const counts = { ...NO_COUNTS };
  const refusedRows: RefusedRow[] = [];
  for (const row of batch) {
    if ('refusal' in row) {
      counts.refused++;
      refusedRows.push({ line: row.line, error: row.refusal });
    }
  }
  for (const answer of report?.rows ?? []) {
    // The report numbers rows by their place in the request; the file's line is what the operator needs.
    const line = sendable[answer.line - 1]!.line;
    counts[answer.outcome]++;
    if (answer.outcome === 'refused') {
      refusedRows.push({ line, error: answer.error, ...(answer.userId && { userId: answer.userId }) });
    }
  }
  refusedRows.sort((a, b) => a.line - b.line);
  return { rows: batch.length, lastLine: batch[batch.length - 1]!.line, counts, refusedRows };
}

function add(a: ImportCounts, b: ImportCounts): ImportCounts {
  return {
    created: a.created + b.created,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    refused: a.refused + b.refused,
  };
}
