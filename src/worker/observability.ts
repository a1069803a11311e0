import type { Logger as PinoLogger } from 'pino';
import type { Config } from '../config/config';
import { componentLog } from '../logging/log';
import { createRootLogger, type LogFormat } from '../logging/root-logger';
import { createServiceMetrics, type ServiceMetrics } from '../metrics/service-metrics';
import { installTemporalRuntime } from './temporal-runtime';

export interface WorkerObservability {
  /** The process's root logger; components log through children of it. */
  root: PinoLogger;
  metrics: ServiceMetrics;
  /** Where the Temporal SDK's Prometheus exporter serves its metrics. */
  sdkMetricsAddress: string;
}

/**
 * Logs and metrics of a process that runs a worker: the root logger, the Temporal runtime sending its logs there and
 * its metrics to a Prometheus exporter, and the service's own registry. Call before any Temporal connection exists.
 */
export function setUpWorkerObservability(
  config: Config,
  options: { defaultLogFormat: LogFormat; sdkMetricsAddress: string },
): WorkerObservability {
  const root = createRootLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? options.defaultLogFormat });
  installTemporalRuntime({
    log: componentLog(root, 'temporal'),
    level: config.LOG_LEVEL,
    metricsAddress: options.sdkMetricsAddress,
  });
  return {
    root,
    metrics: createServiceMetrics({ processMetrics: true }),
    sdkMetricsAddress: options.sdkMetricsAddress,
  };
}
