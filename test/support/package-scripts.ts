import { readFileSync } from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '../..');

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
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

/** The package.json script whose command is exactly these arguments, if any. */
export function scriptRunBy(args: string[]): string | undefined {
  const { scripts } = readPackageJson();
  return Object.keys(scripts).find((script) => commandOf(script).join(' ') === args.join(' '));
}

/** The TypeScript file a package.json script starts (`node --import tsx src/api/main.ts` → `src/api/main.ts`). */
export function entryFileOf(script: string): string {
  const command = readPackageJson().scripts[script];
  const file = command && /\b(src\/\S+\.ts)\b/.exec(command)?.[1];
  if (!file) throw new Error(`package.json script ${JSON.stringify(script)} does not start a file under src/`);
  return file;
}
