import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import type { StackShape } from './options';
import type { UsageByKind } from './process-usage';
import { REPO_ROOT } from './stack';

/** One figure: its value, and where a baseline ran, the baseline's and the ratio of the two. */
export interface Row {
  name: string;
  value: string;
  baselines?: Record<string, { value: string; ratio: string }>;
}

export interface Section {
  title: string;
  rows: Row[];
  note?: string;
}

/** What a benchmark run found: printed, and written as JSON (every number) and Markdown (for people). */
export interface BenchResult {
  kind: 'burst' | 'create' | 'scale' | 'load' | 'import' | 'sweep' | 'rush';
  users: number;
  startedAt: Date;
  stack: StackShape;
  settings: Record<string, unknown>;
  /** Every measured number, for machines and later comparison. */
  figures: Record<string, unknown>;
  sections: Section[];
  /** Why some figures cannot be trusted (creation ran past the due instant, a run not settled, ...). */
  warnings: string[];
  /** PNG files beside the report. */
  plots: { file: string; title: string }[];
}

export function machine() {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

/**
 * `<date>-<kind>-<users>-<engine>-<workers>w` (`-attached` for --api): the name of the run's files under --out, so
 * that runs of one size on different stacks sit side by side.
 */
export function baseName(result: Pick<BenchResult, 'kind' | 'users' | 'startedAt' | 'stack'>): string {
  const { engine, workers } = result.stack;
  const stack = engine.startsWith('attached') ? 'attached' : `${engine}-${workers}w`;
  return `${result.startedAt.toISOString().slice(0, 10)}-${result.kind}-${result.users}-${stack}`;
}

function baselineNames(section: Section): string[] {
  return [...new Set(section.rows.flatMap((row) => Object.keys(row.baselines ?? {})))];
}

export function printResult(result: BenchResult): void {
  console.log('');
  for (const warning of result.warnings) console.log(`!! ${warning}`);
  for (const section of result.sections) {
    console.log(`\n${section.title}`);
    const width = Math.max(...section.rows.map((row) => row.name.length));
    for (const row of section.rows) {
      const baselines = Object.entries(row.baselines ?? {})
        .map(([name, { value, ratio }]) => `   | ${name}: ${value} (x${ratio})`)
        .join('');
      console.log(`  ${row.name.padEnd(width)}  ${row.value}${baselines}`);
    }
    if (section.note) console.log(`  (${section.note})`);
  }
  console.log('');
}

function markdown(result: BenchResult, context: Record<string, unknown>): string {
  const lines = [
    `# Benchmark: ${result.kind}, ${result.users} users`,
    '',
    ...Object.entries(context).map(
      ([name, value]) => `- **${name}**: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    ),
    '',
  ];
  if (result.warnings.length > 0) lines.push('## Warnings', '', ...result.warnings.map((w) => `- ${w}`), '');
  for (const section of result.sections) {
    const baselines = baselineNames(section);
    lines.push(`## ${section.title}`, '');
    lines.push(`| Figure | Value |${baselines.map((name) => ` ${name} | ratio |`).join('')}`);
    lines.push(`| --- | --- |${baselines.map(() => ' --- | --- |').join('')}`);
    for (const row of section.rows) {
      const cells = baselines.map((name) => {
        const baseline = row.baselines?.[name];
        return baseline ? ` ${baseline.value} | x${baseline.ratio} |` : ' | |';
      });
      lines.push(`| ${row.name} | ${row.value} |${cells.join('')}`);
    }
    if (section.note) lines.push('', section.note);
    lines.push('');
  }
  for (const plot of result.plots) lines.push(`## ${plot.title}`, '', `![${plot.title}](${plot.file})`, '');
  return lines.join('\n');
}

/** Writes `<baseName>.json` and `.md` under `outDir`; answers their paths. */
export async function writeResult(result: BenchResult, outDir: string): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const base = path.join(outDir, baseName(result));
  const context = {
    date: result.startedAt.toISOString(),
    commit: gitCommit(),
    machine: machine(),
    settings: result.settings,
  };
  const json = `${base}.json`;
  const md = `${base}.md`;
  await writeFile(
    json,
    `${JSON.stringify(
      {
        kind: result.kind,
        users: result.users,
        ...context,
        warnings: result.warnings,
        figures: result.figures,
        plots: result.plots,
      },
      // The created users themselves (ids and times) are inputs, not figures: only their count is kept.
      (key, value: unknown) => (key === 'users' && Array.isArray(value) ? value.length : value),
      2,
    )}\n`,
  );
  await writeFile(md, markdown(result, context));
  return { json, markdown: md };
}

/**
 * One row per kind of process, by name: its CPU time and peak RSS over a window of the run, and with `per` its CPU
 * per unit of work done in that window (e.g. per delivery).
 */
export function usageRows(usage: UsageByKind, per?: { count: number; unit: string }): Row[] {
  return Object.entries(usage)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, figures]) => {
      const perUnit = per && (per.count ? (figures.cpuMs / per.count).toFixed(2) : 'n/a');
      return {
        name: `CPU / peak RSS: ${kind}`,
        value:
          `${(figures.cpuMs / 1000).toFixed(1)} CPU s${per ? ` · ${perUnit} CPU ms/${per.unit}` : ''} · ` +
          `peak RSS ${figures.peakRssMb.toFixed(0)} MB (${figures.processes} process${figures.processes === 1 ? '' : 'es'})`,
      };
    });
}
