import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Workflow code runs in the SDK's deterministic sandbox, bundled: what it imports, and what those import, must be
// pure. The workflow files and the pure modules they use may import only these packages, and nothing from the
// folders that open connections (activities only as types, for proxyActivities).
const src = path.resolve(__dirname, '../../src');
const WORKFLOW_SAFE_FOLDERS = ['workflows', 'greetings', 'time'];
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'luxon'];
const TYPE_ONLY_FOLDERS = ['activities'];

interface ImportLine {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function importsOf(file: string): ImportLine[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)';/gm)].map((match) => ({
    file: path.relative(src, file),
    specifier: match[2]!,
    typeOnly: match[1] !== undefined,
  }));
}

/** Why an import does not belong in workflow-safe code, or null when it does. */
function problemWith(line: ImportLine): string | null {
  if (!line.specifier.startsWith('.')) {
    return ALLOWED_PACKAGES.includes(line.specifier) ? null : 'a package workflow code must not load';
  }
  const target = path.relative(src, path.resolve(src, path.dirname(line.file), line.specifier));
  const folder = target.split(path.sep)[0]!;
  if (WORKFLOW_SAFE_FOLDERS.includes(folder)) return null;
  if (TYPE_ONLY_FOLDERS.includes(folder) && line.typeOnly) return null;
  return `src/${folder} is not workflow-safe`;
}

const workflowSafeFiles = WORKFLOW_SAFE_FOLDERS.flatMap((folder) =>
  readdirSync(path.join(src, folder))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(src, folder, name)),
);

test('workflow files and the pure modules they use import only workflow-safe code', () => {
  expect(workflowSafeFiles.map((file) => path.relative(src, file))).toEqual(
    expect.arrayContaining(['workflows/yearly-greeting.ts', 'workflows/definitions.ts', 'time/next-occurrence.ts']),
  );
  const problems = workflowSafeFiles
    .flatMap(importsOf)
    .map((line) => ({ ...line, problem: problemWith(line) }))
    .filter((line) => line.problem !== null);
  expect(problems).toEqual([]);
});
