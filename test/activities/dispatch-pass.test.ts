import { MockActivityEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';
import { createDispatchActivities, type DispatchPassResult } from '../../src/activities/dispatch-due-greetings';
import { WebhookSigner } from '../../src/activities/webhook-signature';
import type { Db } from '../../src/db/client';
import { armOccurrence } from '../../src/db/armed-occurrences';
import { msUntilDue } from '../../src/db/due-dispatch';
import { idempotencyKeyFor } from '../../src/greetings/ids';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { TEST_WEBHOOK_SECRET } from '../support/environment';
import { createUserRow, personWithBirthdayIn } from '../support/fixtures';
import { silentLog } from '../support/service';
import { startTestReceiver } from '../support/test-receiver';
import { useTestDb } from '../support/test-db';

// A dispatch pass started ahead of its instant (the dispatcher starts its passes early, so that its timer, a workflow
// task and the activity tasks are not between the instant and the first greeting): it waits on the database's clock,
// then sends the instant's rows, none before it. Real Postgres and a real receiver; the activity runs in a mock
// activity context.

let db: Db;
useTestDb((opened) => (db = opened));

test('a pass started 1.5 s before its instant waits for it on the database clock, then sends every row, none early', async () => {
  const receiver = await startTestReceiver();
  try {
    const [row] = await db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
    const dueAt = new Date(row!.now.getTime() + 1_500).toISOString();
    expect(await msUntilDue(db, dueAt)).toBeGreaterThan(1_000);
    for (let i = 0; i < 3; i++) {
      const user = await createUserRow(db, personWithBirthdayIn(0, Date.parse(dueAt), 'UTC'));
      const year = new Date(dueAt).getUTCFullYear();
      await armOccurrence(db, {
        userId: user.id,
        eventType: 'birthday',
        occurrenceYear: year,
        occurrenceDate: dueAt.slice(0, 10),
        scheduledAt: dueAt,
        idempotencyKey: idempotencyKeyFor(user.id, 'birthday', year),
        workflowId: '',
        runId: '',
      });
    }
    const dispatch = createDispatchActivities({
      db,
      webhookUrl: receiver.url,
      webhookSigner: new WebhookSigner([TEST_WEBHOOK_SECRET]),
      webhookTimeoutMs: 5_000,
      maxLatenessMs: null,
      pageSize: 100,
      deliveryTime: '09:00',
      log: silentLog,
      metrics: createDeliveryMetrics(new Registry()),
    });

    const pass: DispatchPassResult = await new MockActivityEnvironment().run(() =>
      dispatch.dispatchDueGreetings({ dueAt }),
    );

    expect(pass).toMatchObject({ tally: { claimed: 3, delivered: 3 }, nextClaimInMs: null });
    expect(receiver.requests).toHaveLength(3);
    for (const request of receiver.requests) expect(request.receivedAtMs).toBeGreaterThanOrEqual(Date.parse(dueAt));
    expect(await msUntilDue(db, dueAt)).toBe(0);
  } finally {
    await receiver.close();
  }
});
