import { existsSync } from 'node:fs';
import path from 'node:path';
import { discardDirectory, installDirectoryAtomically } from './atomic-install';
import { findOnPath, formatDuration, lastLines, runCommand } from './run-command';
import { ToolError } from './tool-error';
import { userCacheDir, type ToolOptions } from './tool-paths';

/** The outside fuzzer `npm run fuzz:api` drives the OpenAPI document with (PyPI). */
export const SCHEMATHESIS_VERSION = '4.32.5';

/** How to run schemathesis' CLI: `command ...prefix <st arguments>`. */
export interface SchemathesisCommand {
  command: string;
  prefix: string[];
}

/**
 * Finds or installs schemathesis. First match wins: an `st` on PATH of exactly this version, else a virtualenv in the
 * per-user cache (`schemathesis-<version>-<python>`), else one made there from PyPI with `python3 -m venv` + pip
 * (a minute, once). The venv is run as `<venv>/bin/python -m schemathesis.cli`: its console scripts carry the
 * absolute path of the folder they were built in, which the atomic install renames.
 */
export async function ensureSchemathesis(options: ToolOptions = {}): Promise<SchemathesisCommand> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});

  const st = await findOnPath('st', env);
  if (st && (await versionOf(st, [], env)) === SCHEMATHESIS_VERSION) return { command: st, prefix: [] };

  const python = await findOnPath('python3', env);
  if (!python) {
    throw new ToolError(
      `schemathesis ${SCHEMATHESIS_VERSION} runs on Python 3.10+, but there is no \`python3\` on PATH ` +
        '(Debian/Ubuntu: `apt-get install python3 python3-venv`).',
    );
  }
  const pythonVersion = await runCommand(python, ['-c', 'import sys; print("py%d.%d" % sys.version_info[:2])'], {
    env,
  });
  // A venv belongs to the Python that made it: one cache entry per Python minor version.
  const cacheDir = path.join(userCacheDir(env), `schemathesis-${SCHEMATHESIS_VERSION}-${pythonVersion.output.trim()}`);
  const venvPython = path.join(cacheDir, 'bin', 'python');
  const cached = { command: venvPython, prefix: ['-m', 'schemathesis.cli'] };
  if (existsSync(cacheDir)) {
    if ((await versionOf(venvPython, cached.prefix, env)) === SCHEMATHESIS_VERSION) return cached;
    log(`discarding ${cacheDir}: it is not a complete install`);
    await discardDirectory(cacheDir);
  }

  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${cacheDir}...`);
  const started = Date.now();
  await installDirectoryAtomically(cacheDir, async (temp) => {
    const steps: [string, string[]][] = [
      [python, ['-m', 'venv', temp]],
      [path.join(temp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
    ];
    for (const [command, args] of steps) {
      const result = await runCommand(command, args, {
        env,
        onHeartbeat: (elapsed) => log(`  still installing schemathesis (${formatDuration(elapsed)})...`),
      });
      if (result.code !== 0) {
        throw new ToolError(
          `installing schemathesis ${SCHEMATHESIS_VERSION}: \`${path.basename(command)} ${args.join(' ')}\` exited ` +
            `with ${result.code ?? result.signal}:\n${lastLines(result.output)}\n` +
            'Check that PyPI is reachable (pip.conf for a mirror) and that python3-venv is installed.',
        );
      }
    }
  });
  if ((await versionOf(venvPython, cached.prefix, env)) !== SCHEMATHESIS_VERSION) {
    throw new ToolError(`schemathesis was installed into ${cacheDir} but does not run from there`);
  }
  log(`installed schemathesis ${SCHEMATHESIS_VERSION} in ${formatDuration(Date.now() - started)}`);
  return cached;
}

/** `st, version 4.32.5` -> `4.32.5`; undefined when it does not run. */
async function versionOf(command: string, prefix: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const result = await runCommand(command, [...prefix, '--version'], { env });
    return result.code === 0 ? /version (\S+)/.exec(result.output)?.[1] : undefined;
  } catch {
    return undefined;
  }
}
