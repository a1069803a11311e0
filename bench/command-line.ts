/** What a command's options parser gave: the options, a request for help, or the exit code of a usage error. */
export function parseOrExplain<T>(parse: () => T | 'help', usage: string): T | { exitCode: number } {
  try {
    const options = parse();
    if (options !== 'help') return options;
    console.log(usage);
    return { exitCode: 0 };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return { exitCode: 2 };
  }
}

export function isExit(parsed: unknown): parsed is { exitCode: number } {
  return typeof parsed === 'object' && parsed !== null && 'exitCode' in parsed;
}

/** A Ctrl-C (or SIGTERM) stops what the command started before it exits, so no process of it is left running. */
export function stopOnInterrupt(stop: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the stack`);
      void stop().finally(() => process.exit(130));
    });
  }
}
