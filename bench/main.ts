import { runLoad } from './api-load';
import { runBurst } from './burst';
import { runCreate } from './create';
import { parseOptions, USAGE, type BenchOptions } from './options';
import { printResult, writeResult, type BenchResult } from './report';
import { runScale } from './scale';
import { stopStartedStacks } from './stack';

/** `npm run bench -- <burst|create|scale|load> [options]`: measures the service and prints and writes the figures. */
async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the stack`);
      void stopStartedStacks().finally(() => process.exit(130));
    });
  }
  const run = { burst: runBurst, create: runCreate, scale: runScale, load: runLoad }[options.kind];
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
