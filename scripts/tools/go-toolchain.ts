import { findOnPath, runCommand } from './run-command';
import { ToolError } from './tool-error';
import type { ToolEnv } from './tool-paths';

/** A Go version as `[major, minor, patch]`: `go1.26.2` is `[1, 26, 2]`. */
export type GoVersion = readonly [number, number, number];

export interface GoRequirement {
  /** What is being built, for the messages: `the temporal CLI 1.5.1`. */
  building: string;
  /** The `go` line of the module's go.mod. */
  minimum: GoVersion;
  /** How else to get the tool, appended to every message: `or put ... on PATH`. */
  alternatives: string;
}

/** The `go` on PATH, if it is new enough to build what `requirement` names; else a ToolError saying what to do. */
export async function findGo(env: ToolEnv, requirement: GoRequirement): Promise<string> {
  const minimum = formatGoVersion(requirement.minimum);
  const install = `Install Go ≥ ${minimum} from your package manager or https://go.dev/dl, ${requirement.alternatives}.`;
  const go = await findOnPath('go', env);
  if (!go) {
    throw new ToolError(`cannot build ${requirement.building}: Go is not installed (no \`go\` on PATH). ${install}`);
  }
  const result = await runCommand(go, ['env', 'GOVERSION'], { env });
  const found = result.output.trim();
  const version = parseGoVersion(found);
  if (result.code !== 0 || !version || compareGoVersions(version, requirement.minimum) < 0) {
    throw new ToolError(
      `cannot build ${requirement.building}: it needs Go ≥ ${minimum}, but ${go} is ${found || 'not working'}. ${install}`,
    );
  }
  return go;
}

/** `go1.26.8` → `[1, 26, 8]`; `go1.26` and `go1.26rc1` count as `.0`. */
export function parseGoVersion(text: string): GoVersion | undefined {
  const match = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function compareGoVersions(a: GoVersion, b: GoVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function formatGoVersion(version: GoVersion): string {
  return version[2] === 0 ? `${version[0]}.${version[1]}` : version.join('.');
}
