import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { discardDirectory, installDirectoryAtomically, placeFileAtomically } from './atomic-install';
import { findGo, type GoVersion } from './go-toolchain';
import { formatDuration, isExecutableFile, lastLines, runCommand } from './run-command';
import { ToolError } from './tool-error';
import { findRepoRoot, toolsDir, userCacheDir, type ToolEnv, type ToolOptions } from './tool-paths';

/**
 * The Temporal server docker-compose.yml runs (`temporalio/server:<this>`, schema by `temporalio/admin-tools:<this>`),
 * built from source so that it runs where Docker cannot. test/tools/temporal-server.test.ts keeps the two in step.
 */
export const TEMPORAL_SERVER_VERSION = '1.31.0';
const MODULE = 'go.temporal.io/server';
// The `go` line of the module's go.mod at that tag. An older go (≥ 1.21) fetches this toolchain itself.
const MIN_GO: GoVersion = [1, 26, 2];
/** Where the module keeps the Postgres schemas, and where the install keeps its copy (as admin-tools does). */
const POSTGRES_SCHEMA = 'schema/postgresql/v12';
// `go install` names binaries after their package folders; the images call them these names.
const BINARIES = [
  { pkg: 'cmd/server', built: 'server', name: 'temporal-server' },
  { pkg: 'cmd/tools/sql', built: 'sql', name: 'temporal-sql-tool' },
] as const;

/** Where a built Temporal server lives. */
export interface TemporalServerInstall {
  /** `temporal-server`: `--config-file <yaml> --allow-no-auth start`. */
  server: string;
  /** `temporal-sql-tool`, which creates the databases and applies the schemas (deploy/temporal/setup-schema.sh). */
  sqlTool: string;
  /** The `temporal/` and `visibility/` schemas of this version for Postgres ≥ 12 (admin-tools' `TEMPORAL_SCHEMA_DIR`). */
  postgresSchemaDir: string;
}

/** How a person builds it, for messages that find it missing. */
export const TEMPORAL_SERVER_BUILD_COMMAND = 'npm run tools -- --temporal-server';

/**
 * The Temporal server {@link TEMPORAL_SERVER_VERSION}, its SQL tool and schemas. Built once per user with Go from the
 * module proxy into the per-user cache (`temporal-server-<version>/`: about 10 minutes on 2 cores without a warm Go
 * build cache, ~170 MB), then linked into `.tools/bin`.
 */
export async function ensureTemporalServer(options: ToolOptions = {}): Promise<TemporalServerInstall> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const cacheDir = temporalServerCacheDir(env);
  if (existsSync(cacheDir) && !(await isInstalled(cacheDir, env))) {
    log(`discarding ${cacheDir}: it is not a complete Temporal server ${TEMPORAL_SERVER_VERSION} install`);
    await discardDirectory(cacheDir);
  }
  if (!existsSync(cacheDir)) await buildIntoCache(cacheDir, env, log);
  return linkIntoTools(cacheDir, options.repoRoot ?? findRepoRoot(), log);
}

/**
 * The install if the per-user cache already holds it, else undefined; builds nothing, runs nothing, so a test can
 * decide at load time whether it can start a server in seconds.
 */
export function cachedTemporalServer(env: ToolEnv = process.env): TemporalServerInstall | undefined {
  const cacheDir = temporalServerCacheDir(env);
  const install = installIn(cacheDir);
  const complete = existsSync(install.server) && existsSync(install.sqlTool) && existsSync(install.postgresSchemaDir);
  return complete ? install : undefined;
}

function temporalServerCacheDir(env: ToolEnv): string {
  return path.join(userCacheDir(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function installIn(dir: string): TemporalServerInstall {
  return {
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, POSTGRES_SCHEMA),
  };
}

async function isInstalled(dir: string, env: ToolEnv): Promise<boolean> {
  const install = installIn(dir);
  return (
    (await isExecutableFile(install.sqlTool)) &&
    existsSync(path.join(install.postgresSchemaDir, 'visibility', 'versioned')) &&
    (await serverVersion(install.server, env)) === TEMPORAL_SERVER_VERSION
  );
}

/** `temporal version 1.31.0` gives `1.31.0`. */
async function serverVersion(file: string, env: ToolEnv): Promise<string | undefined> {
  if (!(await isExecutableFile(file))) return undefined;
  try {
    const result = await runCommand(file, ['--version'], { env });
    return result.code === 0 ? /temporal version (\S+)/.exec(result.output)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

/** The binaries are linked into `.tools/bin`; the schemas stay in the cache, where the binaries' siblings are. */
async function linkIntoTools(
  cacheDir: string,
  repoRoot: string,
  log: (line: string) => void,
): Promise<TemporalServerInstall> {
  const cached = installIn(cacheDir);
  const bin = path.join(toolsDir(repoRoot), 'bin');
  const local = { ...cached, server: path.join(bin, 'temporal-server'), sqlTool: path.join(bin, 'temporal-sql-tool') };
  await placeFileAtomically(cached.server, local.server);
  await placeFileAtomically(cached.sqlTool, local.sqlTool);
  log(`Temporal server ${TEMPORAL_SERVER_VERSION} ready at ${local.server}`);
  return local;
}

async function buildIntoCache(cacheDir: string, env: ToolEnv, log: (line: string) => void): Promise<void> {
  const go = await findGo(env, {
    building: `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
    minimum: MIN_GO,
    alternatives: 'or run the server with Docker (`docker compose up`, see docs/docker-compose.md)',
  });
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} with Go (first time: about 10 minutes)...`);
  const started = Date.now();
  const installed = await installDirectoryAtomically(cacheDir, async (temp) => {
    const bin = path.join(temp, 'bin');
    // No cgo: the Postgres driver is pure Go, and no C toolchain is needed.
    const goEnv = { ...env, CGO_ENABLED: '0', GOBIN: bin };
    // One `go install` for both: they share most packages. Version 1.31.0's go.mod has no `replace` directive, so
    // `go install pkg@version` accepts it (a later one with such a directive would need a build inside the module).
    const packages = BINARIES.map((binary) => `${MODULE}/${binary.pkg}@v${TEMPORAL_SERVER_VERSION}`);
    const result = await runCommand(go, ['install', '-ldflags', '-s -w', ...packages], {
      env: goEnv,
      cwd: temp,
      onHeartbeat: (elapsed) => log(`  still building the Temporal server (${formatDuration(elapsed)})...`),
    });
    if (result.code !== 0) {
      throw new ToolError(
        `building the Temporal server ${TEMPORAL_SERVER_VERSION} failed: \`go install ${packages.join(' ')}\` ` +
          `exited with ${result.code ?? result.signal}:\n${lastLines(result.output)}\n` +
          'If modules could not be downloaded, check that the Go module proxy (GOPROXY) is reachable.',
      );
    }
    for (const binary of BINARIES) await rename(path.join(bin, binary.built), path.join(bin, binary.name));
    const version = await serverVersion(installIn(temp).server, env);
    if (version !== TEMPORAL_SERVER_VERSION) {
      throw new ToolError(
        `the freshly built temporal-server reports version ${version ?? '(none)'}, expected ${TEMPORAL_SERVER_VERSION}`,
      );
    }
    await copySchemas(go, goEnv, temp);
  });
  log(
    installed
      ? `built the Temporal server ${TEMPORAL_SERVER_VERSION} in ${formatDuration(Date.now() - started)} into ${cacheDir}`
      : `another run installed the Temporal server ${TEMPORAL_SERVER_VERSION} into ${cacheDir} first; using that`,
  );
}

/** Copies the Postgres schemas out of the module source (already in Go's module cache after the build). */
async function copySchemas(go: string, env: ToolEnv, temp: string): Promise<void> {
  const moduleVersion = `${MODULE}@v${TEMPORAL_SERVER_VERSION}`;
  const result = await runCommand(go, ['mod', 'download', '-json', moduleVersion], { env, cwd: temp });
  let moduleDir: string | undefined;
  try {
    moduleDir = (JSON.parse(result.output) as { Dir?: string }).Dir;
  } catch {
    moduleDir = undefined;
  }
  if (result.code !== 0 || !moduleDir) {
    throw new ToolError(
      `\`go mod download -json ${moduleVersion}\` did not say where the module's source is:\n${lastLines(result.output)}`,
    );
  }
  await copyWritable(path.join(moduleDir, POSTGRES_SCHEMA), path.join(temp, POSTGRES_SCHEMA));
}

// Go's module cache is read-only; the copy must not be, or a later discard of the install could not delete it.
async function copyWritable(source: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) {
      await copyWritable(from, to);
    } else {
      await copyFile(from, to);
      await chmod(to, 0o644);
    }
  }
}
