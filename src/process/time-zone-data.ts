import { Gauge, type Registry } from 'prom-client';

/**
 * The IANA time-zone data every instant of this process is computed with: the release inside Node's ICU (e.g.
 * `2026e`), which a newer release can change for zones whose rules moved. Shown at start, on /ready and on /metrics,
 * so an operator can tell which rules a plan was made with.
 */
export function timeZoneDataVersion(): string {
  return process.versions.tz ?? 'unknown';
}

/** What a process logs at start. */
export function timeZoneDataLine(): string {
  return `time-zone data ${timeZoneDataVersion()} (ICU ${process.versions.icu ?? 'unknown'})`;
}

/** `greetings_time_zone_data_info{version="2026e"} 1` in the process's registry. */
export function registerTimeZoneDataInfo(registry: Registry): void {
  const info = new Gauge({
    name: 'greetings_time_zone_data_info',
    help: 'The IANA time-zone data release this process computes due instants with (label version), always 1',
    labelNames: ['version'],
    registers: [registry],
  });
  info.set({ version: timeZoneDataVersion() }, 1);
}
