import type { Registry } from 'prom-client';

/** A process's `/metrics` page. */
export interface MetricsExposition {
  contentType: string;
  text(): Promise<string>;
}

const SDK_SCRAPE_TIMEOUT_MS = 2_000;

/**
 * The service's registry, followed by the Temporal SDK's metrics when its exporter runs in this process: the SDK
 * serves them in Prometheus text on its own address, and both pages share one format with distinct names
 * (`temporal_...`), so one scrape of `/metrics` gets everything the process knows.
 */
export function metricsExposition(registry: Registry, sdkMetricsAddress?: string): MetricsExposition {
  return {
    contentType: registry.contentType,
    async text() {
      const own = await registry.metrics();
      if (!sdkMetricsAddress) return own;
      return `${own}\n${await sdkMetricsText(sdkMetricsAddress)}`;
    },
  };
}

/** The SDK's page; a comment line instead when it cannot be read, so the service's own metrics still get through. */
async function sdkMetricsText(address: string): Promise<string> {
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status} from ${address}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}
