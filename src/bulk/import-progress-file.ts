import { readFile, rm, writeFile, rename } from 'node:fs/promises';

/** A refused row as the import report gives it, with the line of the file. */
export interface RefusedRow {
  line: number;
  error: { code: string; message: string; details: { path: string; message: string }[] };
  userId?: string;
}

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  refused: number;
}

/**
 * Where an interrupted import stands, kept next to the input (`people.csv.import-progress`): every row up to
 * `lastLineDone` has its answer. A re-run of the same file continues after it; a changed file starts over, which is
 * safe too, as rows are matched to the users they made.
 */
export interface ImportProgress {
  /** SHA-256 of the file the progress is about. */
  fileSha256: string;
  lastLineDone: number;
  counts: ImportCounts;
  refusedRows: RefusedRow[];
}

export const progressFileOf = (input: string) => `${input}.import-progress`;

/** The progress saved for this file's content, or null (none, or about another content). */
export async function loadProgress(file: string, fileSha256: string): Promise<ImportProgress | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const progress = JSON.parse(text) as ImportProgress;
  return progress.fileSha256 === fileSha256 ? progress : null;
}

/** Written to a temporary file and renamed, so that a kill mid-write leaves the previous progress whole. */
export async function saveProgress(file: string, progress: ImportProgress): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(progress));
  await rename(`${file}.tmp`, file);
}

export async function removeProgress(file: string): Promise<void> {
  await rm(file, { force: true });
}
