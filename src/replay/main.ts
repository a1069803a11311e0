import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { connectClient } from '../temporal/connect';
import { temporalConnection } from '../temporal/connection-options';
import { HistoryInputError, parseHistoryJson, recordedWorkflowId } from './history-json';
import { parseReplayArgs, REPLAY_USAGE, UsageError, type ReplayArgs } from './replay-args';
import { replayHistories, SERVICE_WORKFLOWS, type NamedHistory, type WorkflowCode } from './replay-histories';
import { historiesFromServer } from './server-histories';

const EXIT_REPLAY_FAILED = 1;
/** Bad arguments, an unreadable file, an unreachable server: nothing could be judged. */
const EXIT_CANNOT_REPLAY = 2;

/**
 * `npm run replay`: replays workflow histories (files, or runs fetched from Temporal) against the current workflow
 * code, so a change that would break running workflows is caught before it is deployed.
 */
async function main(argv: readonly string[]): Promise<number> {
  const args = parseReplayArgs(argv);
  if (args.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  // The bundler reports at INFO and the SDK core warns about each failed replay: the verdicts below say it all.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });

  // Every file is read and the server reached before the (slow) bundling starts, so bad input fails fast.
  const fromFiles = await Promise.all(args.files.map(readHistoryFile));
  const client = args.workflowId ? await connect(args) : undefined;
  const code: WorkflowCode = args.workflowsPath
    ? { workflowsPath: path.resolve(args.workflowsPath) }
    : SERVICE_WORKFLOWS;

  let replayed = 0;
  let failed = 0;
  const report = async (histories: Iterable<NamedHistory> | AsyncIterable<NamedHistory>) => {
    for await (const verdict of replayHistories(histories, code)) {
      replayed += 1;
      if (verdict.outcome === 'ok') {
        console.log(`OK      ${verdict.label}`);
      } else {
        failed += 1;
        console.log(`FAILED  ${verdict.label}: ${verdict.outcome}: ${verdict.reason}`);
      }
    }
  };

  try {
    if (fromFiles.length > 0) await report(fromFiles);
    if (client && args.workflowId) await report(historiesFromServer(client, args.workflowId, args.runId));
  } finally {
    await client?.connection.close();
  }
  console.log(`${replayed} ${replayed === 1 ? 'history' : 'histories'} replayed, ${failed} failed`);
  return failed > 0 ? EXIT_REPLAY_FAILED : 0;
}

async function readHistoryFile(file: string): Promise<NamedHistory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryInputError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const history = parseHistoryJson(text, file);
  // Exports of older servers do not name the workflow; the file name stands in for it.
  return { label: file, workflowId: recordedWorkflowId(history) ?? path.basename(file, '.json'), history };
}

/** Flags first; otherwise the service's settings, and without an address the dev server `npm start` runs. */
async function connect(args: ReplayArgs) {
  const config = loadConfig();
  // The flags stand in for the settings they name, so they also win over a TEMPORAL_CONFIG_FILE profile.
  const settings = {
    ...config,
    TEMPORAL_ADDRESS: args.address ?? config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: args.namespace ?? config.TEMPORAL_NAMESPACE,
  };
  // The service's TLS / API key settings apply here too, so a secured cluster is replayed from directly.
  const temporal = temporalConnection(settings, `127.0.0.1:${config.TEMPORAL_DEV_PORT}`);
  try {
    return await connectClient(temporal);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HistoryInputError(`cannot reach Temporal at ${temporal.options.address}: ${reason}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) console.error(`error: ${message}\n\n${REPLAY_USAGE}`);
    else console.error(`error: ${message}`);
    process.exitCode = EXIT_CANNOT_REPLAY;
  },
);
