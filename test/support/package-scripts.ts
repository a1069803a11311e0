import { readFileSync } from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '../..');

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
}

export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as PackageJson;
}

/** A package.json script's command line as an argument list, as a container runs it. */
export function commandOf(script: string): string[] {
  const command = readPackageJson().scripts[script];
  if (!command) throw new Error(`package.json has no script ${JSON.stringify(script)}`);
  return command.split(/\s+/);
}

/**
 * The package.json script these arguments run: its own command (`node --import tsx src/api/main.ts`), or the compiled
 * form of its entry file that the image runs (`node dist/src/api/main.js`, what `npm run build` emits), with the
 * script's node flags if it has any (the worker's).
 */
export function scriptRunBy(args: string[]): string | undefined {
  const { scripts } = readPackageJson();
  return Object.keys(scripts).find(
    (script) =>
      commandOf(script).join(' ') === args.join(' ') ||
      (entryFileOrNull(script) !== null && compiledCommandOf(script).join(' ') === args.join(' ')),
  );
}

/** The node flags a package.json script gives before its entry (`node --max-old-space-size=256 --import tsx ...`). */
export function nodeFlagsOf(script: string): string[] {
  const [program, ...rest] = commandOf(script);
  if (program !== 'node') return [];
  const end = rest.findIndex((arg) => arg === '--import' || !arg.startsWith('--'));
  return end === -1 ? rest : rest.slice(0, end);
}

/** How a container runs a package.json script: node, the script's node flags, and the compiled entry file. */
export function compiledCommandOf(script: string): string[] {
  return ['node', ...nodeFlagsOf(script), compiledFileOf(entryFileOf(script))];
}

/** The TypeScript file a package.json script starts (`node --import tsx src/api/main.ts` → `src/api/main.ts`). */
export function entryFileOf(script: string): string {
  const file = entryFileOrNull(script);
  if (!file) throw new Error(`package.json script ${JSON.stringify(script)} does not start a file under src/`);
  return file;
}

function entryFileOrNull(script: string): string | null {
  return /\b(src\/\S+\.ts)\b/.exec(readPackageJson().scripts[script] ?? '')?.[1] ?? null;
}

/** What `npm run build` emits for a file under src/ (tsconfig.build.json: outDir dist, rootDir the project). */
export function compiledFileOf(sourceFile: string): string {
  return `dist/${sourceFile.replace(/\.ts$/, '.js')}`;
}
