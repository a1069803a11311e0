import { registerTimeZoneDataInfo } from '../process/time-zone-data';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDeliveryMetrics, type DeliveryMetrics } from './delivery-metrics';
import { createHttpMetrics, type HttpMetrics } from './http-metrics';
import { createReconcilerMetrics, type ReconcilerMetrics } from './reconciler-metrics';

/** The service's own metrics, in one registry per process (or per test). */
export interface ServiceMetrics {
  registry: Registry;
  delivery: DeliveryMetrics;
  http: HttpMetrics;
  reconciler: ReconcilerMetrics;
}

export function createServiceMetrics(options: { processMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  // Memory, CPU, event loop lag: worth having in a process, noise in a test's registry.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  registerTimeZoneDataInfo(registry);
  return {
    registry,
    delivery: createDeliveryMetrics(registry),
    http: createHttpMetrics(registry),
    reconciler: createReconcilerMetrics(registry),
  };
}
