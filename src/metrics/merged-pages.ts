/** One process's `/metrics` page, and the `process` label its samples get where they would clash with another's. */
export interface ProcessPage {
  process: string;
  text: string;
}

interface Family {
  /** The HELP and TYPE lines, or a comment line that belongs to no family. */
  header: string[];
  samples: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const HELP_OR_TYPE = /^# (?:HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)/;

/**
 * Several processes' Prometheus text pages as one page. A family only one process fills keeps its samples as they
 * are, so it reads as if one process served it; a family several fill (the Node process metrics every process has)
 * gets a `process` label on each sample, so no series appears twice. Each family is declared once.
 */
export function mergedPages(pages: ProcessPage[]): string {
  const merged = new Map<string | symbol, { header: string[]; samplesByProcess: Map<string, string[]> }>();
  for (const page of pages) {
    for (const [name, family] of familiesOf(page.text)) {
      const entry = merged.get(name) ?? { header: family.header, samplesByProcess: new Map<string, string[]>() };
      const samples = entry.samplesByProcess.get(page.process) ?? [];
      entry.samplesByProcess.set(page.process, samples.concat(family.samples));
      merged.set(name, entry);
    }
  }
  const lines: string[] = [];
  for (const { header, samplesByProcess } of merged.values()) {
    const filled = [...samplesByProcess].filter(([, samples]) => samples.length > 0);
    lines.push(...header);
    for (const [process, samples] of filled) {
      lines.push(...(filled.length > 1 ? samples.map((sample) => withLabel(sample, 'process', process)) : samples));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A page's families by name, in order of first appearance. */
function familiesOf(text: string): Map<string | symbol, Family> {
  const families = new Map<string | symbol, Family>();
  let current: { name: string; family: Family } | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const declared = HELP_OR_TYPE.exec(line)?.[1];
    const name = line.startsWith('#') ? declared : METRIC_NAME.exec(line)?.[0];
    if (name === undefined) {
      // A comment of its own (e.g. "... unavailable"): kept in place, under a key no other line shares.
      families.set(Symbol('comment'), { header: [line], samples: [] });
      current = undefined;
      continue;
    }
    if (!current || !belongsTo(current, name, declared !== undefined)) {
      current = { name, family: families.get(name) ?? { header: [], samples: [] } };
      families.set(name, current.family);
    }
    (declared ? current.family.header : current.family.samples).push(line);
  }
  return families;
}

/** A histogram's `_bucket`, `_sum` and `_count` samples belong to the family its TYPE line declared. */
function belongsTo(current: { name: string; family: Family }, name: string, isDeclaration: boolean): boolean {
  if (name === current.name) return true;
  return !isDeclaration && current.family.header.length > 0 && name.startsWith(`${current.name}_`);
}

/** The sample line with `label="value"` first among its labels. */
function withLabel(sample: string, label: string, value: string): string {
  const name = METRIC_NAME.exec(sample)?.[0] ?? '';
  const rest = sample.slice(name.length);
  const pair = `${label}="${value}"`;
  if (rest.startsWith('{}')) return `${name}{${pair}}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{${pair},${rest.slice(1)}`;
  return `${name}{${pair}}${rest}`;
}
