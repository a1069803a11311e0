import type { Logger } from 'pino';
import { createRootLogger, type LogLevelName } from '../../src/logging/root-logger';

export type LogRecord = Record<string, any>;

export interface CapturedLog {
  /** The real root logger, writing JSON lines to a stream the test reads. */
  root: Logger;
  /** Every line written so far, parsed. */
  records(): LogRecord[];
  /** Resolves with the first record that matches, once it is written; rejects after `timeoutMs` of real time. */
  waitFor(matches: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
}

export function captureLog(level: LogLevelName = 'info'): CapturedLog {
  const lines: string[] = [];
  const root = createRootLogger({
    level,
    format: 'json',
    destination: { write: (line: string) => void lines.push(line) },
  });
  const records = () => lines.map((line) => JSON.parse(line) as LogRecord);
  return {
    root,
    records,
    async waitFor(matches, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records().find(matches);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching log line within ${timeoutMs} ms; got:\n${lines.join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
