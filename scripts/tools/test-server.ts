import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { copyDirectoryAtomically, discardDirectory, installDirectoryAtomically } from './atomic-install';
import { findOnPath, formatDuration, isExecutableFile, lastLines, runCommand } from './run-command';
import { ToolError } from './tool-error';
import { findRepoRoot, toolsDir, userCacheDir, type ToolEnv, type ToolOptions } from './tool-paths';

/** The Java SDK's time-skipping test server, which `TestWorkflowEnvironment.createTimeSkipping()` talks to. */
export const TEST_SERVER_VERSION = '1.38.0';
const MAIN_JAR = `temporal-test-server-${TEST_SERVER_VERSION}.jar`;
const WRAPPER = 'temporal-test-server';
// Named in full rather than as `dependency:`, so Maven need not look up plugin prefixes, and the install does not
// depend on which Maven runs it.
const COPY_DEPENDENCIES = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';

export interface EnsureTestServerOptions extends ToolOptions {
  /** An executable that starts a test server as `<path> <port>`; defaults to the TEMPORAL_TEST_SERVER_PATH setting. */
  explicitPath?: string;
}

const ALTERNATIVE =
  'or set TEMPORAL_TEST_SERVER_PATH to an executable that starts a Temporal time-skipping test server as ' +
  '`<path> <port>`';

// Only to fetch the server and its runtime dependencies from Maven Central.
const POM_TEMPLATE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/tools/test-server.ts: fetches the time-skipping test server and its runtime dependencies. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.yearly-greetings</groupId>
  <artifactId>temporal-test-server-install</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>@TEST_SERVER_VERSION@</version>
    </dependency>
  </dependencies>
</project>
`;

// The SDK runs `<wrapper> <port>` and SIGKILLs that process on teardown, so the wrapper must `exec` the JVM (a
// killed shell would leave java running). C1 only and the serial GC start the JVM in ~1.6 s, well inside the SDK's
// 5 s connection window. Paths are relative to the wrapper, so a copy of the folder works anywhere.
const WRAPPER_TEMPLATE = `#!/bin/sh
# Written by scripts/tools/test-server.ts: Temporal time-skipping test server @TEST_SERVER_VERSION@. Usage: $0 <port>
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
`;

/**
 * Path of an executable that starts the time-skipping test server as `<path> <port>`. First match wins: the explicit
 * path (TEMPORAL_TEST_SERVER_PATH), `.tools/temporal-test-server/<version>/`, the per-user cache (copied into
 * `.tools`), else a Maven download into the per-user cache, copied into `.tools`. Needs `java` on PATH to run.
 */
export async function ensureTimeSkippingTestServer(options: EnsureTestServerOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});

  const explicitPath = options.explicitPath || env.TEMPORAL_TEST_SERVER_PATH;
  if (explicitPath) return checkExplicitServer(explicitPath);

  // Checked even when the server is installed: without java the wrapper fails only once a test starts it.
  const java = await findOnPath('java', env);
  if (!java) {
    throw new ToolError(
      'the time-skipping test server runs on Java (8 or later), but there is no `java` on PATH. Install a Java ' +
        'runtime (Debian/Ubuntu: `apt-get install default-jre-headless`; macOS: `brew install openjdk`), ' +
        `${ALTERNATIVE}.`,
    );
  }

  const localDir = path.join(toolsDir(options.repoRoot ?? findRepoRoot()), 'temporal-test-server', TEST_SERVER_VERSION);
  if (await isInstalled(localDir)) return path.join(localDir, WRAPPER);

  const cacheDir = path.join(userCacheDir(env), `temporal-test-server-${TEST_SERVER_VERSION}`);
  if (existsSync(cacheDir) && !(await isInstalled(cacheDir))) {
    log(`discarding ${cacheDir}: it is not a complete install`);
    await discardDirectory(cacheDir);
  }
  if (!existsSync(cacheDir)) await installIntoCache(cacheDir, env, log);

  // Installs appear complete or not at all, so only a damaged folder is discarded here, never a concurrent run's.
  if (existsSync(localDir) && !(await isInstalled(localDir))) await discardDirectory(localDir);
  await copyDirectoryAtomically(cacheDir, localDir);
  const wrapper = path.join(localDir, WRAPPER);
  log(`time-skipping test server ${TEST_SERVER_VERSION} ready at ${wrapper}`);
  return wrapper;
}

async function checkExplicitServer(explicitPath: string): Promise<string> {
  const file = path.resolve(explicitPath);
  if (!existsSync(file)) {
    throw new ToolError(
      `TEMPORAL_TEST_SERVER_PATH is ${explicitPath}, but there is no such file. Point it at an executable that ` +
        'starts the time-skipping test server as `<path> <port>`, or unset it to let the project install one ' +
        '(needs Java and Maven).',
    );
  }
  if (!(await isExecutableFile(file))) {
    throw new ToolError(
      `TEMPORAL_TEST_SERVER_PATH is ${explicitPath}, which is not an executable file (chmod +x it?).`,
    );
  }
  return file;
}

async function isInstalled(dir: string): Promise<boolean> {
  return (await isExecutableFile(path.join(dir, WRAPPER))) && existsSync(path.join(dir, 'lib', MAIN_JAR));
}

async function installIntoCache(cacheDir: string, env: ToolEnv, log: (line: string) => void): Promise<void> {
  const mvn = await findOnPath('mvn', env);
  if (!mvn) {
    throw new ToolError(
      `installing the time-skipping test server ${TEST_SERVER_VERSION} needs Apache Maven (≥ 3.6.3) to fetch it ` +
        'from Maven Central, but there is no `mvn` on PATH. Install Maven (Debian/Ubuntu: `apt-get install maven`; ' +
        `macOS: \`brew install maven\`), ${ALTERNATIVE}.`,
    );
  }
  log(`fetching the time-skipping test server ${TEST_SERVER_VERSION} with Maven...`);
  const started = Date.now();
  const installed = await installDirectoryAtomically(cacheDir, async (temp) => {
    const pom = path.join(temp, 'pom.xml');
    await writeFile(pom, fillIn(POM_TEMPLATE));
    const result = await runCommand(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        pom,
        COPY_DEPENDENCIES,
        `-DoutputDirectory=${path.join(temp, 'lib')}`,
        '-DincludeScope=runtime',
      ],
      {
        env,
        cwd: temp,
        onHeartbeat: (elapsed) => log(`  still fetching the test server (${formatDuration(elapsed)})...`),
      },
    );
    if (result.code !== 0) {
      throw new ToolError(
        `fetching the time-skipping test server ${TEST_SERVER_VERSION} failed: \`mvn dependency:copy-dependencies\` ` +
          `exited with ${result.code ?? result.signal}:\n${lastLines(result.output)}\n` +
          'If artifacts could not be downloaded, check that Maven Central is reachable (mirrors and proxies in ' +
          `~/.m2/settings.xml); ${ALTERNATIVE}.`,
      );
    }
    if (!existsSync(path.join(temp, 'lib', MAIN_JAR))) {
      throw new ToolError(`Maven ran, but ${MAIN_JAR} is not among the fetched jars`);
    }
    await rm(path.join(temp, 'target'), { recursive: true, force: true });
    const wrapper = path.join(temp, WRAPPER);
    await writeFile(wrapper, fillIn(WRAPPER_TEMPLATE));
    await chmod(wrapper, 0o755);
  });
  log(
    installed
      ? `fetched the time-skipping test server ${TEST_SERVER_VERSION} in ` +
          `${formatDuration(Date.now() - started)} into ${cacheDir}`
      : `another run installed the time-skipping test server into ${cacheDir} first; using that`,
  );
}

function fillIn(template: string): string {
  return template.replaceAll('@TEST_SERVER_VERSION@', TEST_SERVER_VERSION);
}
