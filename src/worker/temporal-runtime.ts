import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Log } from '../logging/log';
import type { LogLevelName } from '../logging/root-logger';

export interface TemporalRuntimeOptions {
  /** Receives the SDK's own logs, the Rust core's, and what workflows and activities log through `log`. */
  log: Log;
  level: LogLevelName;
  /** host:port the SDK's Prometheus exporter binds (it serves `/metrics` there). */
  metricsAddress: string;
}

const CORE_LEVELS: Record<LogLevelName, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/**
 * Sets up the Temporal SDK for this process: its logs go to the service's logger, its metrics to a Prometheus
 * exporter. The SDK allows this once per process and before any connection or worker exists, so entry points call
 * it first thing; it is never a side effect of an import (tests run many workers in one process).
 */
export function installTemporalRuntime(options: TemporalRuntimeOptions): Runtime {
  return Runtime.install({
    logger: withBundlerReportAtDebug(options.log),
    telemetryOptions: {
      // `forward` sends the Rust core's log records to `logger` instead of printing them to the console.
      logging: { filter: { core: CORE_LEVELS[options.level], other: 'WARN' }, forward: {} },
      metrics: { prometheus: { bindAddress: options.metricsAddress } },
    },
  });
}

/**
 * The SDK logs webpack's whole multi-line build report at INFO when a worker bundles its workflows; it is a build
 * detail (the SDK's next line, "Workflow bundle created", says the bundle is ready), so it is logged at DEBUG.
 */
function withBundlerReportAtDebug(log: Log): Log {
  const isBundlerReport = (message: string, meta?: LogMetadata) =>
    meta?.sdkComponent === 'worker' && message.startsWith('asset workflow-bundle-');
  return {
    ...log,
    // With core logs forwarded, the SDK hands every record to `log` (after sorting them by time).
    log: (level, message, meta) =>
      log.log(level === 'INFO' && isBundlerReport(message, meta) ? 'DEBUG' : level, message, meta),
  };
}
