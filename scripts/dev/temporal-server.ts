import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { appendFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { freePort } from '../../src/dev/free-port';
import { cliSearchAttributeFlag } from '../../src/temporal/search-attribute-cli';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import { lastLines, runCommand } from '../tools/run-command';
import { ensureTemporalCli } from '../tools/temporal-cli';
import { ensureTemporalServer, type TemporalServerInstall } from '../tools/temporal-server';
import { findRepoRoot } from '../tools/tool-paths';
import { stopProcess, waitUntilServing } from './temporal-process';

export interface TemporalServerOptions {
  /** A Postgres where `user` may create databases (the embedded one's superuser will do). */
  postgres: { host: string; port: number; user: string; password: string };
  /** Holds the server's config file; Temporal's data lives in Postgres. */
  dataDir: string;
  /** The frontend's gRPC port on 127.0.0.1 (the address to give workers and the API); the other roles take free ports. */
  port: number;
  /** Created if missing (720 h retention), with the search attributes the workflows set. */
  namespace: string;
  /** The server's output, and that of the schema and namespace set-up, appended. */
  logFile: string;
  /** Temporal's two databases; `temporal` and `temporal_visibility` (as in docker-compose.yml) unless given. */
  databases?: { main: string; visibility: string };
  /** A built server (ensureTemporalServer); found in the per-user cache, or built (about 10 minutes), if absent. */
  install?: TemporalServerInstall;
  /** The temporal CLI the namespace set-up runs; ensureTemporalCli's if absent. */
  cliPath?: string;
  /** From spawning the server until the namespace takes workflows with search attributes; 90 s by default. */
  startTimeoutMs?: number;
  /** Progress lines (install, schema, namespace); silent by default. */
  log?: (line: string) => void;
}

export interface RunningTemporalServer {
  /** `127.0.0.1:<port>`: TEMPORAL_ADDRESS for workers, the API and the temporal CLI. */
  address: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). Postgres and its data are left as they are. */
  stop: () => Promise<void>;
}

/** Temporal's own defaults for the compose stack's server (its image's NUM_HISTORY_SHARDS). */
const NUM_HISTORY_SHARDS = 4;
const ROLES = ['frontend', 'history', 'matching', 'worker'] as const;

/**
 * The Temporal server of docker-compose.yml without Docker: the same version, on Postgres (`postgres12` plugin) for
 * persistence and visibility, with the schemas set up by deploy/temporal/setup-schema.sh, the dynamic config of
 * deploy/temporal/dynamicconfig.yaml, and the namespace and search attributes by deploy/temporal/setup-namespace.sh.
 * All four roles run in one process on 127.0.0.1. Resolves once the namespace accepts workflows.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const log = options.log ?? (() => {});
  const repoRoot = findRepoRoot();
  const install = options.install ?? (await ensureTemporalServer({ log }));
  const cliPath = options.cliPath ?? (await ensureTemporalCli({ log }));
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await mkdir(path.dirname(path.resolve(options.logFile)), { recursive: true });
  const binDir = await linkToolsForScripts(dataDir, install, cliPath);
  const scriptEnv = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` };
  const databases = options.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };

  log(
    `Temporal schemas in ${databases.main} and ${databases.visibility} on ${options.postgres.host}:${options.postgres.port}`,
  );
  await runSetupScript(repoRoot, 'setup-schema.sh', [], options.logFile, {
    ...scriptEnv,
    // The variables docker-compose.yml gives the temporal-schema step (x-temporal-persistence).
    DB: 'postgres12',
    POSTGRES_SEEDS: options.postgres.host,
    DB_PORT: String(options.postgres.port),
    POSTGRES_USER: options.postgres.user,
    POSTGRES_PWD: options.postgres.password,
    DBNAME: databases.main,
    VISIBILITY_DBNAME: databases.visibility,
    TEMPORAL_SCHEMA_DIR: install.postgresSchemaDir,
  });

  const configFile = path.join(dataDir, 'temporal-server.yaml');
  const config = await serverConfig({
    ...options,
    databases,
    dynamicConfigFile: path.join(repoRoot, 'deploy/temporal/dynamicconfig.yaml'),
  });
  await writeFile(configFile, `# Written by scripts/dev/temporal-server.ts on every start.\n${stringify(config)}`);

  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(install.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);
  const address = `127.0.0.1:${options.port}`;
  const stop = async () => {
    await stopProcess(child);
    await closeStream(logStream);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  try {
    log(`starting temporal-server ${address}`);
    await waitUntilServing(
      child,
      address,
      (connection) => answersFor(connection, options.namespace),
      remaining(deadline),
    );
    log(`namespace ${options.namespace} and its search attributes`);
    await runSetupScript(
      repoRoot,
      'setup-namespace.sh',
      greetingSearchAttributes.map(cliSearchAttributeFlag),
      options.logFile,
      { ...scriptEnv, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: options.namespace, SETUP_ATTEMPTS: '15' },
    );
    await waitUntilServing(
      child,
      address,
      (connection) => takesSearchAttributes(connection, options.namespace),
      remaining(deadline),
    );
  } catch (error) {
    await stop();
    throw new Error(`the Temporal server did not start (${String(error)}); see ${options.logFile}`, { cause: error });
  }
  return { address, stop };
}

/** The server's config file: the compose image's (its embedded template) as docker-compose.yml's variables fill it. */
async function serverConfig(
  options: TemporalServerOptions & { databases: { main: string; visibility: string }; dynamicConfigFile: string },
) {
  const { host, port, user, password } = options.postgres;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${host}:${port}`,
      connectProtocol: 'tcp',
      user,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const services: Record<string, { rpc: Record<string, string | number> }> = {};
  for (const role of ROLES) {
    services[role] = {
      rpc: {
        grpcPort: role === 'frontend' ? options.port : await freePort(),
        membershipPort: await freeMembershipPort(),
        bindOnIP: '127.0.0.1',
        ...(role === 'frontend' ? { httpPort: await freePort() } : {}),
      },
    };
  }
  const frontend = services.frontend!.rpc;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      numHistoryShards: NUM_HISTORY_SHARDS,
      defaultStore: 'default',
      visibilityStore: 'visibility',
      datastores: { default: store(options.databases.main, 20), visibility: store(options.databases.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: 0 } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${frontend.grpcPort}`,
          httpAddress: `127.0.0.1:${frontend.httpPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '60s' },
  };
}

// Temporal records each member's membership port in cluster_membership.rpc_port, a SMALLINT: a port above 32767
// (every port Linux hands out for `listen(0)`, 32768-60999) makes the server exit at start-up.
const MAX_MEMBERSHIP_PORT = 32_767;
const MIN_MEMBERSHIP_PORT = 20_000;

/** A free port the membership table can hold, tried at random below the ephemeral range. */
async function freeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = MIN_MEMBERSHIP_PORT + Math.floor(Math.random() * (MAX_MEMBERSHIP_PORT - MIN_MEMBERSHIP_PORT + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port between ${MIN_MEMBERSHIP_PORT} and ${MAX_MEMBERSHIP_PORT} for Temporal's membership`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The deploy scripts call `temporal` and `temporal-sql-tool` from PATH, as in the admin-tools image. */
async function linkToolsForScripts(dataDir: string, install: TemporalServerInstall, cliPath: string): Promise<string> {
  const binDir = path.join(dataDir, 'bin');
  await rm(binDir, { recursive: true, force: true });
  await mkdir(binDir);
  await symlink(path.resolve(cliPath), path.join(binDir, 'temporal'));
  await symlink(path.resolve(install.sqlTool), path.join(binDir, 'temporal-sql-tool'));
  return binDir;
}

async function runSetupScript(
  repoRoot: string,
  script: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const result = await runCommand('/bin/sh', [path.join(repoRoot, 'deploy/temporal', script), ...args], { env });
  await appendFile(logFile, `--- deploy/temporal/${script}\n${result.output}\n`);
  if (result.code !== 0) {
    throw new Error(
      `deploy/temporal/${script} exited with ${result.code ?? result.signal}:\n${lastLines(result.output)}`,
    );
  }
}

/** The frontend answers: the namespace may not exist yet. */
async function answersFor(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (!(isGrpcServiceError(error) && Number(error.code) === NOT_FOUND)) throw error;
  }
}

/**
 * A new namespace, and search attributes just added to it, reach the frontend's namespace cache a moment later (it
 * refreshes every 2 s); until then a start with search attributes fails. A query naming them all passes only after.
 */
async function takesSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const query = greetingSearchAttributes.map((key) => `${key.name} IS NOT NULL`).join(' AND ');
  await connection.workflowService.countWorkflowExecutions({ namespace, query });
}

const NOT_FOUND = 5;

function remaining(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}
