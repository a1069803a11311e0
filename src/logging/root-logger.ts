import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RootLoggerOptions {
  level: LogLevelName;
  format: LogFormat;
  /** Where lines go; standard output by default. Tests pass a stream they read. */
  destination?: DestinationStream;
}

/**
 * The process's one logger; each component logs through a child of it. JSON lines carry an ISO time and the level
 * by name, so they read well in any log store; `pretty` is for a person at a terminal (`npm start`).
 */
export function createRootLogger(options: RootLoggerOptions): Logger {
  const settings = {
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // Temporal's attributes name errors `error`; both keys print the message, type and stack, not `{}`.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  const destination =
    options.format === 'pretty'
      ? pinoPretty({
          // Synchronous, so log lines and the banner and deliveries printed beside them keep their order.
          sync: true,
          ignore: 'pid,hostname,component',
          messageFormat: '{if component}[{component}] {end}{msg}',
          translateTime: 'SYS:HH:MM:ss.l',
          destination: options.destination ?? 1,
        })
      : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(settings, destination);
}
