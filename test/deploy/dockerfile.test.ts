import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { argumentsOf, loadComposeFile } from '../support/compose-file';
import { entryFileOf, projectRoot, readPackageJson, scriptRunBy } from '../support/package-scripts';

// Docker cannot run here, so the Dockerfile is read and checked against package.json, the source tree and
// docker-compose.yml: what the image copies, installs and starts must be what the service needs.

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions in order, continuation lines joined and comments dropped. */
function readDockerfile(): Instruction[] {
  const text = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  return lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, keyword = '', args = ''] = /^\s*(\w+)\s+(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args: args.trim() };
    });
}

const instructions = readDockerfile();
const packageJson = readPackageJson();

function lastIndexOf(keyword: string): number {
  return instructions.map((instruction) => instruction.keyword).lastIndexOf(keyword);
}

/** `COPY [--chown=...] <source>... <destination>` → the sources. */
function copiedSources(): { source: string; index: number }[] {
  return instructions.flatMap((instruction, index) => {
    if (instruction.keyword !== 'COPY') return [];
    const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
    return words.slice(0, -1).map((source) => ({ source: source.replace(/\/$/, ''), index }));
  });
}

function isCopied(file: string, before = instructions.length): boolean {
  return copiedSources().some(
    ({ source, index }) => index < before && (file === source || file.startsWith(`${source}/`)),
  );
}

const cmd = JSON.parse(instructions[lastIndexOf('CMD')]?.args ?? 'null') as string[] | null;

/** Every package.json script a container of the image runs: the default command and each compose service's. */
function scriptsRunInContainers(): string[] {
  const compose = loadComposeFile(path.join(projectRoot, 'docker-compose.yml'));
  const fromCompose = Object.values(compose.services)
    .filter((service) => service.build !== undefined)
    .map((service) => scriptRunBy(argumentsOf(service.command)));
  return [...new Set([scriptRunBy(cmd ?? []), ...fromCompose])].filter((script) => script !== undefined);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

test('starts from a Node 20 image pinned to a release', () => {
  const from = instructions.filter((instruction) => instruction.keyword === 'FROM').at(-1);
  expect(from?.args).toMatch(/^node:20\.\d+\.\d+-[\w.-]+$/);
});

test('runs its command as an unprivileged user', () => {
  const user = instructions.slice(0, lastIndexOf('CMD')).filter((instruction) => instruction.keyword === 'USER').at(-1);
  expect(user?.args).toBeDefined();
  expect(['root', '0', '0:0']).not.toContain(user?.args);
});

test('installs the locked runtime dependencies with npm ci, after copying what the postinstall script needs', () => {
  const install = instructions.findIndex(
    (instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(instruction.args),
  );
  expect(install).toBeGreaterThan(-1);
  expect(isCopied('package.json', install)).toBe(true);
  expect(isCopied('package-lock.json', install)).toBe(true);
  // postinstall generates the Prisma client: its script, the schema and the Prisma config must be there already.
  const postinstallFiles = packageJson.scripts.postinstall?.match(/[\w./-]+\.(?:cjs|js|ts)/g) ?? [];
  expect(postinstallFiles.length).toBeGreaterThan(0);
  for (const file of [...postinstallFiles, 'prisma/schema.prisma', 'prisma.config.ts']) {
    expect({ file, copiedBeforeInstall: isCopied(file, install) }).toEqual({ file, copiedBeforeInstall: true });
  }
});

test('starts the API by default, with the command of its package.json script', () => {
  // Not `npm run api`: npm would not pass SIGTERM on, and the API would be killed instead of closing cleanly.
  expect(scriptRunBy(cmd ?? [])).toBe('api');
});

test('holds the entry file of every script its containers run, and the modules those scripts preload', () => {
  const scripts = scriptsRunInContainers();
  expect([...scripts].sort()).toEqual(['api', 'migrate', 'receiver', 'worker']);
  for (const script of scripts) {
    expect({ script, copied: isCopied(entryFileOf(script)) }).toEqual({ script, copied: true });
    // `--omit=dev` leaves devDependencies out of the image.
    for (const [, preloaded] of packageJson.scripts[script]!.matchAll(/--import\s+(\S+)/g)) {
      expect(packageJson.dependencies).toHaveProperty([preloaded!]);
    }
  }
});

test('every package the service code imports is a runtime dependency, so the image has it', () => {
  const missing = new Set<string>();
  for (const file of sourceFiles(path.join(projectRoot, 'src'))) {
    const source = readFileSync(file, 'utf8');
    // Type-only imports vanish at run time.
    for (const [, specifier] of source.matchAll(/^import (?!type )[^'"]*?from '([^'.][^']*)'/gm)) {
      if (specifier!.startsWith('node:')) continue;
      const parts = specifier!.split('/');
      const name = specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!(name in packageJson.dependencies)) missing.add(`${name} (${path.relative(projectRoot, file)})`);
    }
  }
  expect([...missing]).toEqual([]);
});

test('copies only files that exist and that .dockerignore lets into the build context', () => {
  const ignored = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const { source } of copiedSources()) {
    expect({ source, exists: existsSync(path.join(projectRoot, source)) }).toEqual({ source, exists: true });
    const excludedBy = ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`));
    expect({ source, excludedBy }).toEqual({ source, excludedBy: [] });
  }
});

test('.dockerignore keeps installed, local and repository files out of the build context', () => {
  const ignored = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n');
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.data', '.git', 'src/generated']));
});
