import { parseArgs } from 'node:util';

export const REPLAY_USAGE = `usage:
  npm run replay -- --file history.json [--file more.json ...]   histories exported with
                                                                   \`temporal workflow show --output json\`
  npm run replay -- --workflow-id ID [--run-id ID]                  straight from the server: the run, or the
                    [--address host:port] [--namespace NS]          current run and the earlier runs it continues
options:
  --workflows PATH   replay against this workflow code instead of src/workflows
exit code: 0 every history replays, 1 one does not (e.g. a determinism error),
           2 nothing could be replayed (bad arguments, an unreadable file, Temporal unreachable)`;

export interface ReplayArgs {
  files: string[];
  workflowId?: string;
  runId?: string;
  address?: string;
  namespace?: string;
  workflowsPath?: string;
  help: boolean;
}

/** The command line was not understood; the message says why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `npm run replay` arguments; files may also be given without `--file` (so a shell glob works). */
export function parseReplayArgs(argv: readonly string[]): ReplayArgs {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        file: { type: 'string', multiple: true },
        'workflow-id': { type: 'string' },
        'run-id': { type: 'string' },
        address: { type: 'string' },
        namespace: { type: 'string' },
        workflows: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const args: ReplayArgs = {
    files: [...(values.file ?? []), ...positionals],
    workflowId: values['workflow-id'],
    runId: values['run-id'],
    address: values.address,
    namespace: values.namespace,
    workflowsPath: values.workflows,
    help: values.help ?? false,
  };
  if (args.help) return args;
  if (args.files.length === 0 && !args.workflowId) throw new UsageError('give at least one --file or a --workflow-id');
  if (args.runId && !args.workflowId) throw new UsageError('--run-id needs --workflow-id');
  if (args.address !== undefined && !/^[^\s:]+:\d+$/.test(args.address)) {
    throw new UsageError(`--address must be host:port, got ${JSON.stringify(args.address)}`);
  }
  return args;
}
