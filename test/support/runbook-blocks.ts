import { runProcess, type ProcessResult } from './run-process';

/** One fenced `sh` block of a runbook, with the name of its check (the `<!-- runbook-check: NAME -->` line above it). */
export interface RunbookBlock {
  /** Null when the block carries no name: every command must have a check. */
  name: string | null;
  script: string;
  line: number;
}

const CHECK_NAME = /^<!--\s*runbook-check:\s*([\w-]+)\s*-->$/;

/** Every ```sh block of a Markdown text, in order. */
export function runbookBlocks(markdown: string): RunbookBlock[] {
  const lines = markdown.split('\n');
  const blocks: RunbookBlock[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (lines[index]!.trim() !== '```sh') continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === '```');
    if (end === -1) throw new Error(`the sh block at line ${index + 1} is never closed`);
    const above = lines
      .slice(0, index)
      .reverse()
      .find((line) => line.trim() !== '');
    blocks.push({
      name: CHECK_NAME.exec(above?.trim() ?? '')?.[1] ?? null,
      script: lines.slice(index + 1, end).join('\n'),
      line: index + 1,
    });
    index = end;
  }
  return blocks;
}

/** Runs a block with bash as an operator would paste it (stopping at the first failing command), in the project folder. */
export function runBlock(script: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess('bash', ['-eo', 'pipefail', '-c', script], { env });
}

const SQL_NAME = /^<!--\s*runbook-sql:\s*([\w-]+)\s*-->$/;

/**
 * The ```sql block of the runbook named `<!-- runbook-sql: NAME -->`: the tests of the procedure it belongs to run it
 * against their database (the runbook test has no database an operator's query could mean).
 */
export function runbookSql(markdown: string, name: string): string {
  const lines = markdown.split('\n');
  const named = lines.findIndex((line) => SQL_NAME.exec(line.trim())?.[1] === name);
  const start = lines.findIndex((line, at) => at > named && line.trim() !== '');
  if (named === -1 || lines[start]?.trim() !== '```sql') throw new Error(`the runbook has no sql block named ${name}`);
  const end = lines.findIndex((line, at) => at > start && line.trim() === '```');
  return lines
    .slice(start + 1, end)
    .map((line) => line.trim())
    .join('\n');
}

/** The names of every ```sql block of the runbook; null for one without its `runbook-sql` line. */
export function runbookSqlNames(markdown: string): Array<string | null> {
  const lines = markdown.split('\n');
  return lines.flatMap((line, at) => {
    if (line.trim() !== '```sql') return [];
    const above = lines
      .slice(0, at)
      .reverse()
      .find((candidate) => candidate.trim() !== '');
    return [SQL_NAME.exec(above?.trim() ?? '')?.[1] ?? null];
  });
}
