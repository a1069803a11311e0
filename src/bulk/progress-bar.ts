import { Presets, SingleBar } from 'cli-progress';
import type { ImportCounts } from './import-progress-file';
import type { ImportListener } from './import-file';

const PLAIN_LINE_EVERY_MS = 5_000;

/**
 * The import's progress on standard error: a bar with the rate of this run and the time left on a terminal, a plain
 * line every few seconds elsewhere (a log, CI). Standard output keeps the report.
 */
export function importProgressBar(): ImportListener & { stop(): void } {
  let startedAt = 0;
  let doneBefore = 0;
  let total = 0;
  let lastLineAt = 0;
  const bar = process.stderr.isTTY
    ? new SingleBar(
        {
          format:
            'import [{bar}] {value}/{total} rows | {rate} rows/s | ETA {timeLeft} | ' +
            'created {created} updated {updated} unchanged {unchanged} refused {refused}',
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : null;
  const figures = (done: number, counts: ImportCounts) => {
    const seconds = (performance.now() - startedAt) / 1000;
    const rate = seconds > 0 ? (done - doneBefore) / seconds : 0;
    // Not `eta`: cli-progress fills a token of that name itself, from its own estimate.
    const timeLeft = rate > 0 ? formatSeconds((total - done) / rate) : '…';
    return { rate: rate.toFixed(0), timeLeft, ...counts };
  };
  return {
    started(rows, alreadyDone) {
      startedAt = performance.now();
      total = rows;
      doneBefore = alreadyDone;
      if (alreadyDone > 0) console.error(`continuing after the ${alreadyDone} rows an earlier run did`);
      bar?.start(rows, alreadyDone, figures(alreadyDone, { created: 0, updated: 0, unchanged: 0, refused: 0 }));
    },
    progressed(done, counts) {
      if (bar) return bar.update(done, figures(done, counts));
      if (performance.now() - lastLineAt < PLAIN_LINE_EVERY_MS && done < total) return;
      lastLineAt = performance.now();
      const { rate, timeLeft } = figures(done, counts);
      console.error(`import: ${done}/${total} rows, ${rate} rows/s, ETA ${timeLeft}`);
    },
    stop() {
      bar?.stop();
    },
  };
}

function formatSeconds(seconds: number): string {
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : `${whole} s`;
}
