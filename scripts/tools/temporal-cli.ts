import { existsSync } from 'node:fs';
import path from 'node:path';
import { discardDirectory, installDirectoryAtomically, placeFileAtomically } from './atomic-install';
import { findGo, type GoVersion } from './go-toolchain';
import { findOnPath, formatDuration, isExecutableFile, lastLines, runCommand } from './run-command';
import { ToolError } from './tool-error';
import { findRepoRoot, toolsDir, userCacheDir, type ToolEnv, type ToolOptions } from './tool-paths';

/** The temporal CLI (dev server, Web UI, CLI) the project builds when none is given. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
// v1.5.1 is the newest tag `go install pkg@version` accepts: later go.mod files carry a `replace` directive.
const CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
const MIN_GO: GoVersion = [1, 25, 0];

export interface EnsureTemporalCliOptions extends ToolOptions {
  /** A temporal binary to use as it is; defaults to the TEMPORAL_CLI_PATH setting. */
  explicitPath?: string;
}

const ALTERNATIVES =
  'or put a temporal CLI on PATH (e.g. `brew install temporal`), or set TEMPORAL_CLI_PATH to a temporal binary';

/**
 * Absolute path of a working `temporal` CLI. First match wins: the explicit path (TEMPORAL_CLI_PATH), a `temporal`
 * on PATH, `.tools/bin/temporal` at version {@link TEMPORAL_CLI_VERSION}, the per-user cache (linked into `.tools`),
 * else a build with Go into the per-user cache (several minutes the first time), linked into `.tools/bin`.
 */
export async function ensureTemporalCli(options: EnsureTemporalCliOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});

  const explicitPath = options.explicitPath || env.TEMPORAL_CLI_PATH;
  if (explicitPath) return checkExplicitCli(explicitPath, env);

  const onPath = await findOnPath('temporal', env);
  if (onPath) {
    const version = await temporalVersion(onPath, env);
    if (version !== undefined) {
      log(`using the temporal CLI on PATH: ${onPath} (${version})`);
      return onPath;
    }
    log(`ignoring ${onPath} on PATH: \`temporal --version\` did not work`);
  }

  const local = path.join(toolsDir(options.repoRoot ?? findRepoRoot()), 'bin', 'temporal');
  if ((await temporalVersion(local, env)) === TEMPORAL_CLI_VERSION) return local;

  const cacheDir = path.join(userCacheDir(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
  const cached = path.join(cacheDir, 'bin', 'temporal');
  if (existsSync(cacheDir) && (await temporalVersion(cached, env)) !== TEMPORAL_CLI_VERSION) {
    log(`discarding ${cacheDir}: its temporal binary does not report version ${TEMPORAL_CLI_VERSION}`);
    await discardDirectory(cacheDir);
  }
  if (!existsSync(cacheDir)) await buildIntoCache(cacheDir, env, log);

  await placeFileAtomically(cached, local);
  log(`temporal CLI ${TEMPORAL_CLI_VERSION} ready at ${local}`);
  return local;
}

async function checkExplicitCli(explicitPath: string, env: ToolEnv): Promise<string> {
  const file = path.resolve(explicitPath);
  if (!existsSync(file)) {
    throw new ToolError(
      `TEMPORAL_CLI_PATH is ${explicitPath}, but there is no such file. Point it at a temporal CLI binary, ` +
        `or unset it to use a \`temporal\` on PATH or let the project build one (needs Go ≥ ${MIN_GO.slice(0, 2).join('.')}).`,
    );
  }
  if (!(await isExecutableFile(file))) {
    throw new ToolError(`TEMPORAL_CLI_PATH is ${explicitPath}, which is not an executable file (chmod +x it?).`);
  }
  if ((await temporalVersion(file, env)) === undefined) {
    throw new ToolError(
      `TEMPORAL_CLI_PATH is ${explicitPath}, but \`${explicitPath} --version\` does not print ` +
        '"temporal version ...": point it at a temporal CLI binary.',
    );
  }
  return file;
}

/** The version a temporal binary reports (`temporal version 1.5.1 (Server ...)` gives `1.5.1`), if it runs. */
async function temporalVersion(file: string, env: ToolEnv): Promise<string | undefined> {
  if (!(await isExecutableFile(file))) return undefined;
  try {
    const result = await runCommand(file, ['--version'], { env });
    if (result.code !== 0) return undefined;
    return /temporal version (\S+)/.exec(result.output)?.[1];
  } catch {
    return undefined;
  }
}

async function buildIntoCache(cacheDir: string, env: ToolEnv, log: (line: string) => void): Promise<void> {
  const go = await findGo(env, {
    building: `the temporal CLI ${TEMPORAL_CLI_VERSION}`,
    minimum: MIN_GO,
    alternatives: ALTERNATIVES,
  });
  log(`building temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first time: several minutes)...`);
  const started = Date.now();
  const installed = await installDirectoryAtomically(cacheDir, async (temp) => {
    const bin = path.join(temp, 'bin');
    const result = await runCommand(
      go,
      [
        'install',
        '-ldflags',
        `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
        `${CLI_PACKAGE}@v${TEMPORAL_CLI_VERSION}`,
      ],
      {
        // No cgo: SQLite is pure Go, and no C toolchain is needed.
        env: { ...env, CGO_ENABLED: '0', GOBIN: bin },
        onHeartbeat: (elapsed) => log(`  still building the temporal CLI (${formatDuration(elapsed)})...`),
      },
    );
    if (result.code !== 0) {
      throw new ToolError(
        `building the temporal CLI ${TEMPORAL_CLI_VERSION} failed: ` +
          `\`go install ${CLI_PACKAGE}@v${TEMPORAL_CLI_VERSION}\` ` +
          `exited with ${result.code ?? result.signal}:\n${lastLines(result.output)}\n` +
          'If modules could not be downloaded, check that the Go module proxy (GOPROXY) is reachable; ' +
          `${ALTERNATIVES}.`,
      );
    }
    const version = await temporalVersion(path.join(bin, 'temporal'), env);
    if (version !== TEMPORAL_CLI_VERSION) {
      throw new ToolError(
        `the freshly built temporal CLI reports version ${version ?? '(none)'}, expected ${TEMPORAL_CLI_VERSION}`,
      );
    }
  });
  log(
    installed
      ? `built temporal CLI ${TEMPORAL_CLI_VERSION} in ${formatDuration(Date.now() - started)} into ${cacheDir}`
      : `another run installed temporal CLI ${TEMPORAL_CLI_VERSION} into ${cacheDir} first; using that`,
  );
}
