import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { formatOf } from './file-rows';
import type { ImportFileOptions } from './import-file';

/** Where the API is and the key to call it with: options first, then API_URL and API_KEY, then npm start's. */
export interface ApiTarget {
  url: string;
  apiKey: string;
}

export interface ImportCommand extends ApiTarget, ImportFileOptions {
  /** Where to write the whole report as JSON, if anywhere. */
  reportFile: string | undefined;
}

export interface ExportCommand extends ApiTarget {
  /** Standard output when absent. */
  file: string | undefined;
}

const API_OPTIONS = `  --api URL          the API (default: API_URL, else http://127.0.0.1:3000, npm start's)
  --api-key KEY      a key of its API_KEYS (default: API_KEY, else the key npm start keeps in DATA_DIR/api-key)`;

export const IMPORT_USAGE = `Usage: npm run import -- <people.csv|people.ndjson> [options]

Creates or updates one user per row through POST /users/import, matched by externalId, else by email, so running the
same file again creates nobody twice. A CSV's header row names the API's fields (firstName,lastName,birthday,timezone,
email,externalId); an empty cell leaves the field out. An .ndjson or .jsonl file holds one user body a line.
Interrupted, it keeps its place in <file>.import-progress and a re-run continues after the last row done.

Options:
${API_OPTIONS}
  --rate N           rows a second at most (default 200): how fast workflows start
  --batch N          rows a request (default 100, at most 10000)
  --concurrency N    requests in flight (default 2)
  --format F         csv or ndjson (default: from the file's extension)
  --from-start       ignore the saved progress and send every row again (safe: rows are matched)
  --report FILE      also write the whole report (counts and refused rows) as JSON
  --help

Exit status: 0 every row accepted, 3 done with some rows refused (listed), 1 stopped early (run again to continue),
2 a usage error.`;

export const EXPORT_USAGE = `Usage: npm run export -- [out.csv] [options]

Writes every live user as CSV with the header names an import takes (npm run import of the file changes nothing),
to the file or to standard output.

Options:
${API_OPTIONS}
  --help`;

const positive = (name: string) =>
  z.coerce.number().int(`--${name} must be a whole number`).min(1, `--${name} must be at least 1`);

export async function parseImportCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<ImportCommand | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...API_ARGS,
      rate: { type: 'string', default: '200' },
      batch: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '2' },
      format: { type: 'string' },
      'from-start': { type: 'boolean', default: false },
      report: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const [file, ...extra] = positionals;
  if (file === undefined) throw new Error('name the file to import');
  if (extra.length > 0) throw new Error(`one file at a time (got ${positionals.join(', ')})`);
  const format = option(z.enum(['csv', 'ndjson'], '--format must be csv or ndjson'), values.format ?? formatOf(file));
  const rate = option(positive('rate'), values.rate);
  return {
    ...(await apiTarget(values, env)),
    file,
    format,
    rate,
    // A batch larger than a second's rows would come in bursts.
    batchSize: Math.min(option(positive('batch').max(10_000, '--batch must be at most 10000'), values.batch), rate),
    concurrency: option(positive('concurrency'), values.concurrency),
    fromStart: values['from-start'],
    reportFile: values.report,
  };
}

export async function parseExportCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<ExportCommand | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...API_ARGS, help: { type: 'boolean' } },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new Error(`one file at a time (got ${positionals.join(', ')})`);
  return { ...(await apiTarget(values, env)), file: positionals[0] };
}

/** The value as the schema reads it, or the first problem as the command's usage error. */
function option<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'not valid');
  return parsed.data;
}

const API_ARGS = { api: { type: 'string' }, 'api-key': { type: 'string' } } as const;

async function apiTarget(
  values: { api?: string | undefined; 'api-key'?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<ApiTarget> {
  const url = option(
    z.url('--api must be a URL such as http://127.0.0.1:3000'),
    values.api ?? env.API_URL ?? 'http://127.0.0.1:3000',
  );
  const apiKey = values['api-key'] ?? env.API_KEY ?? (await keptApiKey(env.DATA_DIR ?? '.data'));
  return { url, apiKey };
}

/** The key `npm start` made and keeps (scripts/dev/local-secrets.ts). */
async function keptApiKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'api-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new Error(`no API key: pass --api-key or set API_KEY (npm start keeps its key in ${file}, not found)`);
  }
}

/** The command, or the exit status after printing the usage: 0 when asked for, 2 with a usage error. */
export async function commandOrExit<T>(
  parse: () => Promise<T | 'help'>,
  usage: string,
): Promise<{ command: T } | { exitCode: number }> {
  try {
    const command = await parse();
    if (command !== 'help') return { command };
    console.log(usage);
    return { exitCode: 0 };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return { exitCode: 2 };
  }
}
