import { Presets, SingleBar } from 'cli-progress';

/** Progress of a long phase (create, drain, settle). */
export interface Progress {
  update(value: number): void;
  stop(): void;
}

const PLAIN_LINE_EVERY_MS = 5_000;

/** A bar on a terminal; elsewhere (a file, CI, a test) a plain line every few seconds. */
export function progress(label: string, total: number): Progress {
  if (process.stdout.isTTY) {
    const bar = new SingleBar(
      { format: `${label.padEnd(10)} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (value) => bar.update(value), stop: () => bar.stop() };
  }
  let lastLine = Date.now();
  let current = 0;
  return {
    update(value) {
      current = value;
      if (Date.now() - lastLine < PLAIN_LINE_EVERY_MS) return;
      lastLine = Date.now();
      console.log(`  ${label}: ${value}/${total}`);
    },
    stop() {
      console.log(`  ${label}: ${current}/${total} done`);
    },
  };
}
