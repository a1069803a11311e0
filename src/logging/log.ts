import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger as PinoLogger } from 'pino';

/**
 * How the service logs: a message, then structured fields. It is the Temporal SDK's logger interface (with nothing
 * returned, where the SDK says `any`), so the same adapter serves the service's components and the SDK's Runtime
 * (worker, core, workflow and activity logs).
 */
export type Log = { [Method in keyof TemporalLogger]: (...args: Parameters<TemporalLogger[Method]>) => void };

const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Writes through pino: the fields become the line's properties, the message its `msg`. */
export function pinoLog(logger: PinoLogger): Log {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[PINO_LEVELS[level] ?? 'info'](stringKeyed(meta), message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** A component's log: every line names the component (`api`, `worker`, `temporal`, ...). */
export function componentLog(root: PinoLogger, component: string): Log {
  return pinoLog(root.child({ component }));
}

/** The SDK adds a symbol-keyed timestamp to forwarded records; JSON has no place for it. */
function stringKeyed(meta: LogMetadata | undefined): Record<string, unknown> {
  return meta ? Object.fromEntries(Object.entries(meta)) : {};
}
