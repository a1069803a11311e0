import { runLoad } from './api-load';
import { runBurst } from './burst';
import { runCreate } from './create';
import { runImport } from './import';
import { isExit, parseOrExplain, stopOnInterrupt } from './command-line';
import { parseOptions, USAGE } from './options';
import { printResult, writeResult, type BenchResult } from './report';
import { runScale } from './scale';
import { stopStartedStacks } from './stack';
import { runRush } from './rush';
import { runSweep } from './sweep';

/** `npm run bench -- <burst|create|scale|load|import|sweep|rush> [options]`: measures the service and prints and writes the figures. */
async function main(): Promise<number> {
  // Each user's run confirms its year within HAND_OVER_WINDOW of the instant, and a burst waits for that: the stacks
  // the bench starts use 5 minutes unless told (the service's 3 h would make every run last hours).
  process.env.HAND_OVER_WINDOW ??= '5m';
  const options = parseOrExplain(() => parseOptions(process.argv.slice(2)), USAGE);
  if (isExit(options)) return options.exitCode;
  stopOnInterrupt(stopStartedStacks);
  const run = {
    burst: runBurst,
    create: runCreate,
    scale: runScale,
    load: runLoad,
    import: runImport,
    sweep: runSweep,
    rush: runRush,
  }[options.kind];
  const result: BenchResult = await run(options);
  printResult(result);
  const written = await writeResult(result, options.out);
  console.log(`results: ${written.json}\n         ${written.markdown}`);
  for (const plot of result.plots) console.log(`         ${options.out}/${plot.file}`);
  return result.warnings.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopStartedStacks();
    process.exit(1);
  },
);
