import type { Registry } from 'prom-client';
import { mergedPages } from './merged-pages';

/** A process's `/metrics` page. */
export interface MetricsExposition {
  contentType: string;
  text(): Promise<string>;
}

/** Where else a process's `/metrics` page gathers metrics from, read at each scrape. */
export interface MetricsSources {
  /** The Temporal SDK's exporter, when a worker runs in this process: its names (`temporal_...`) are its own. */
  sdkMetricsAddress?: string;
  /** The `/metrics` page of `npm start`'s worker process, so that the API's page is the one place to scrape. */
  workerMetricsUrl?: string;
}

const SCRAPE_TIMEOUT_MS = 2_000;

/**
 * The service's registry, followed by what `sources` serve in the same text format, so one scrape of `/metrics`
 * gets everything: the SDK's page as it is (distinct names), the worker's merged family by family (both processes
 * have the Node process metrics; see mergedPages).
 */
export function metricsExposition(registry: Registry, sources: MetricsSources = {}): MetricsExposition {
  return {
    contentType: registry.contentType,
    async text() {
      const own = await registry.metrics();
      if (sources.workerMetricsUrl) {
        const worker = await pageText(sources.workerMetricsUrl, "the worker's metrics");
        return mergedPages([
          { process: 'api', text: own },
          { process: 'worker', text: worker },
        ]);
      }
      if (!sources.sdkMetricsAddress) return own;
      return `${own}\n${await pageText(`http://${sources.sdkMetricsAddress}/metrics`, 'Temporal SDK metrics')}`;
    },
  };
}

/** Another page; a comment line instead when it cannot be read, so the service's own metrics still get through. */
async function pageText(url: string, what: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return `# ${what} unavailable: HTTP ${response.status} from ${url}\n`;
    return await response.text();
  } catch (error) {
    return `# ${what} unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}
