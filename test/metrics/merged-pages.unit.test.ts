import { mergedPages } from '../../src/metrics/merged-pages';
import { createServiceMetrics } from '../../src/metrics/service-metrics';
import { sample } from '../support/metrics-text';

/** Pages as the API and the worker of `npm start` serve them: the same registry shape, each filling its own part. */
async function apiAndWorkerPages() {
  const api = createServiceMetrics({ processMetrics: true });
  api.http.observe({ method: 'GET', route: '/users/:id', status: '200' }, 0.01);
  const worker = createServiceMetrics({ processMetrics: true });
  worker.delivery.deliveries.inc({ event_type: 'birthday', outcome: 'delivered' });
  worker.reconciler.stuckUsers.set(2);
  const sdk =
    '# HELP temporal_worker_start A worker started\n# TYPE temporal_worker_start counter\ntemporal_worker_start{task_queue="q"} 1\n';
  return [
    { process: 'api', text: await api.registry.metrics() },
    { process: 'worker', text: `${await worker.registry.metrics()}\n${sdk}` },
  ];
}

/** Each sample line's series (name and labels), as a scraper keys it. */
function seriesOf(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
}

test("a family only one process fills keeps its samples as they are: the worker's deliveries, the API's requests", async () => {
  const merged = mergedPages(await apiAndWorkerPages());
  expect(sample(merged, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'delivered' })).toBe(1);
  expect(
    sample(merged, 'http_request_duration_seconds_count', { method: 'GET', route: '/users/:id', status: '200' }),
  ).toBe(1);
  expect(sample(merged, 'temporal_worker_start', { task_queue: 'q' })).toBe(1);
});

test('a family both processes fill gets a process label on every sample, so no series appears twice', async () => {
  const merged = mergedPages(await apiAndWorkerPages());
  expect(sample(merged, 'process_start_time_seconds', { process: 'api' })).toBeGreaterThan(0);
  expect(sample(merged, 'process_start_time_seconds', { process: 'worker' })).toBeGreaterThan(0);
  expect(sample(merged, 'greetings_reconciler_stuck_users', { process: 'worker' })).toBe(2);
  expect(sample(merged, 'greetings_reconciler_stuck_users', { process: 'api' })).toBe(0);
  const series = seriesOf(merged);
  expect(series.filter((key, index) => series.indexOf(key) !== index)).toEqual([]);
});

test('each family is declared once, and a comment that belongs to no family is kept', async () => {
  const [api, worker] = await apiAndWorkerPages();
  const unavailable = '# Temporal SDK metrics unavailable: fetch failed';
  const merged = mergedPages([api!, { process: 'worker', text: `${worker!.text}\n${unavailable}\n` }]);
  const declarations = merged.split('\n').filter((line) => line.startsWith('# TYPE '));
  expect(declarations.filter((line, index) => declarations.indexOf(line) !== index)).toEqual([]);
  expect(declarations).toContain('# TYPE greetings_deliveries_total counter');
  expect(merged).toContain(`\n${unavailable}\n`);
});

test('the label goes first, whatever the labels after it hold', () => {
  const page = (text: string) => ({ text, process: '' });
  const merged = mergedPages([
    { ...page('# TYPE m gauge\nm{route="/users/{id}",a="x y"} 1\nm 2 1700000000\n'), process: 'api' },
    { ...page('# TYPE m gauge\nm{} 3\n'), process: 'worker' },
  ]);
  expect(merged).toBe(
    '# TYPE m gauge\nm{process="api",route="/users/{id}",a="x y"} 1\nm{process="api"} 2 1700000000\nm{process="worker"} 3\n',
  );
});
