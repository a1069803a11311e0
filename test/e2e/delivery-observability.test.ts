import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningHttpServer } from '../../src/http/http-server';
import type { Db } from '../../src/db/client';
import { workflowIdFor } from '../../src/greetings/ids';
import { componentLog } from '../../src/logging/log';
import { metricsExposition } from '../../src/metrics/exposition';
import { startMetricsServer } from '../../src/metrics/metrics-server';
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics';
import { captureLog, type CapturedLog } from '../support/captured-log';
import { deliveriesOf } from '../support/fixtures';
import { sample, scrape } from '../support/metrics-text';
import { createUserDueIn, nextDueMs, skipPast, withStack } from '../support/stack';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;
let captured: CapturedLog;
let metrics: ServiceMetrics;
let metricsServer: RunningHttpServer;

// A server, a log and a registry per test, so each test sees only its own deliveries.
useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

beforeEach(async () => {
  captured = captureLog('info');
  metrics = createServiceMetrics();
  metricsServer = await startMetricsServer(metricsExposition(metrics.registry), '127.0.0.1', 0);
});

afterEach(async () => {
  await metricsServer?.close();
});

const observers = () => ({ log: componentLog(captured.root, 'delivery'), metrics: metrics.delivery });

test('a delivery through the real worker logs one JSON line with workflow id, run id, user id and outcome, and is counted', async () => {
  await withStack(env, db, { observers: observers() }, async ({ api, receiver }) => {
    const user = await createUserDueIn(env, api, 2);
    await skipPast(env, await nextDueMs(env, user.id));
    await receiver.waitForRequests(1);

    const line = await captured.waitFor((record) => record.outcome === 'delivered');
    const [row] = await deliveriesOf(db, user.id);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'greeting delivered',
      component: 'delivery',
      workflowId: workflowIdFor(user.id, 'birthday'),
      runId: row!.runId,
      userId: user.id,
      eventType: 'birthday',
      occurrenceYear: row!.occurrenceYear,
      attempt: 1,
      deliveryId: row!.id,
      statusCode: 200,
      latenessMs: Number(row!.latenessMs),
      webhookLatencyMs: expect.any(Number),
    });
    expect(line.runId).toEqual(expect.any(String));
    // No personal data: the message with the person's name stays out of the log.
    expect(JSON.stringify(captured.records())).not.toContain('Lovelace');

    const text = await scrape(`${metricsServer.url}/metrics`);
    expect(sample(text, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'delivered' })).toBe(1);
    expect(sample(text, 'greetings_delivery_lateness_seconds_count', { event_type: 'birthday' })).toBe(1);
    expect(sample(text, 'greetings_delivery_lateness_seconds_sum', { event_type: 'birthday' })).toBe(
      Number(row!.latenessMs!) / 1000,
    );
    expect(sample(text, 'greetings_webhook_request_duration_seconds_count', { status_class: '2xx' })).toBe(1);
  });
});

test('a receiver that rejects with 400: an error line with the status, counted as rejected and then failed, no lateness', async () => {
  await withStack(
    env,
    db,
    { receiver: { statusFor: () => 400 }, observers: observers() },
    async ({ api, receiver }) => {
      const user = await createUserDueIn(env, api, 2);
      await skipPast(env, await nextDueMs(env, user.id));
      await receiver.waitForRequests(1);

      const rejected = await captured.waitFor((record) => record.outcome === 'rejected');
      const failed = await captured.waitFor((record) => record.outcome === 'failed');
      expect(rejected).toMatchObject({
        level: 'error',
        workflowId: workflowIdFor(user.id, 'birthday'),
        userId: user.id,
        statusCode: 400,
        error: expect.stringContaining('HTTP 400'),
      });
      expect(failed).toMatchObject({
        level: 'error',
        userId: user.id,
        runId: rejected.runId,
        error: expect.stringContaining('HTTP 400'),
      });

      const text = await scrape(`${metricsServer.url}/metrics`);
      expect(sample(text, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'rejected' })).toBe(1);
      expect(sample(text, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'failed' })).toBe(1);
      expect(
        sample(text, 'greetings_deliveries_total', { event_type: 'birthday', outcome: 'delivered' }),
      ).toBeUndefined();
      expect(sample(text, 'greetings_delivery_lateness_seconds_count', { event_type: 'birthday' })).toBeUndefined();
      expect(sample(text, 'greetings_webhook_request_duration_seconds_count', { status_class: '4xx' })).toBe(1);
    },
  );
});
