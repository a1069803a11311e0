import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The environment the tool installers see. They read only PATH, HOME, XDG_CACHE_HOME, TEMPORAL_CLI_PATH and
 * TEMPORAL_TEST_SERVER_PATH from it, and hand it whole to the programs they run (go, mvn, java), whose own settings
 * (GOPROXY, MAVEN_OPTS, ...) thus apply. Entry points pass `process.env`; tests pass their own.
 */
export type ToolEnv = NodeJS.ProcessEnv;

/** Options every `ensure...` function takes. */
export interface ToolOptions {
  /** Defaults to `process.env`; see {@link ToolEnv}. */
  env?: ToolEnv;
  /** Receives one progress line at a time (first-time installs take minutes). Silent by default. */
  log?: (line: string) => void;
  /** Root of the clone that gets the `.tools/` folder; defaults to the one holding this file. */
  repoRoot?: string;
}

const PACKAGE_NAME = 'yearly-greetings';

/** The nearest folder above `from` whose package.json is this project's (the same from `src/` and `dist/src/`). */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (readPackageName(path.join(dir, 'package.json')) === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json named "${PACKAGE_NAME}" above ${from}`);
    dir = parent;
  }
}

function readPackageName(file: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string'
      ? parsed.name
      : undefined;
  } catch {
    return undefined;
  }
}

/** `<repo>/.tools`: the git-ignored copy of every tool this clone uses. */
export function toolsDir(repoRoot: string): string {
  return path.join(repoRoot, '.tools');
}

/**
 * `${XDG_CACHE_HOME:-$HOME/.cache}/yearly-greetings`: installs shared by every clone of one user, so that a fresh
 * clone (CI) on a machine that built a tool once only links it. Each tool lives in `<tool>-<version>/`.
 */
export function userCacheDir(env: ToolEnv): string {
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || homedir(), '.cache');
  return path.join(base, PACKAGE_NAME);
}
