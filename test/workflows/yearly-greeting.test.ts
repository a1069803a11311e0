import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { nextOccurrence, occurrenceInYear } from '../../src/time/next-occurrence';
import { createTestWorker, uniqueTaskQueue, startGreetingWorkflow } from '../support/environment';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { startTestReceiver } from '../support/test-receiver';
import { useTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;
let db: Db;

useTimeSkippingServer({ perTest: true }, (started) => ({ env, db } = started));

/**
 * Runs one user's workflow on the time-skipping server through three birthdays and returns what the receiver got
 * and when (in the server's skipped time), next to the due instants computed independently for each year.
 */
async function runThreeYears(fields: { birthday: string; timezone: string; firstName: string; lastName: string }) {
  const receiver = await startTestReceiver({ clock: () => env.currentTimeMs() });
  const user = await createUserRow(db, fields);
  const taskQueue = uniqueTaskQueue('three-years');
  const worker = await createTestWorker(env, { db, taskQueue, webhookUrl: receiver.url });
  const startMs = await env.currentTimeMs();
  const [, month, day] = fields.birthday.split('-').map(Number) as [number, number, number];
  const first = nextOccurrence({
    date: fields.birthday,
    timezone: fields.timezone,
    deliveryTime: '09:00',
    nowMs: startMs,
  });
  const expected = [first.year, first.year + 1, first.year + 2].map((year) =>
    occurrenceInYear({ year, month, day, timezone: fields.timezone, deliveryTime: '09:00' }),
  );

  try {
    await worker.runUntil(async () => {
      const handle = await startGreetingWorkflow(env, taskQueue, user);
      for (const [index, due] of expected.entries()) {
        // Skip to one second after the due instant, then let the real activity do its work in real time.
        await env.sleep(due.epochMs - (await env.currentTimeMs()) + 1_000);
        await receiver.waitForRequests(index + 1);
      }
      // A quiet day after the third birthday: nothing more arrives.
      await env.sleep('1 day');
      await handle.cancel();
    });
  } finally {
    await receiver.close();
  }
  const rows = await deliveriesOf(db, user.id);
  // The fourth year was armed by the third year's run before it handed over.
  const armed = rows.filter((row) => row.status === 'scheduled');
  expect(armed.map((row) => row.occurrenceYear)).toEqual([first.year + 3]);
  return { user, expected, requests: receiver.requests, ledger: rows.filter((row) => row.status !== 'scheduled') };
}

test('delivers once a year at 09:00 Asia/Kathmandu (+05:45), three years running', async () => {
  const nowMs = await env.currentTimeMs();
  const { user, expected, requests, ledger } = await runThreeYears({
    ...personWithBirthdayIn(10, nowMs, 'Asia/Kathmandu'),
    firstName: 'Sita',
    lastName: 'Sharma',
  });

  expect(requests).toHaveLength(3);
  for (const [index, request] of requests.entries()) {
    const due = expected[index]!;
    expect(request.body).toMatchObject({
      message: "Hey, Sita Sharma it's your birthday",
      eventType: 'birthday',
      userId: user.id,
      occurrenceYear: due.year,
      occurrenceDate: due.localDate,
      scheduledAt: due.instant,
    });
    expect(due.localDateTime).toMatch(/T09:00:00\.000\+05:45$/);
    // Arrived at the due instant (plus the test's one-second skip and real processing time), never before.
    expect(request.receivedAtMs).toBeGreaterThanOrEqual(due.epochMs);
    expect(request.receivedAtMs - due.epochMs).toBeLessThan(60_000);
    expect(request.headers['idempotency-key']).toBe(`birthday-${due.year}-${user.id}`);
  }
  expect(ledger.map((row) => [row.occurrenceYear, row.status, row.attempts])).toEqual(
    expected.map((due) => [due.year, 'delivered', 1]),
  );
  expect(ledger.map((row) => row.scheduledAt.toISOString())).toEqual(expected.map((due) => due.instant));
});

test('a Feb 29 birthday in America/New_York is greeted on Feb 28 in common years and Feb 29 in leap years', async () => {
  const { expected, requests, ledger } = await runThreeYears({
    birthday: '2000-02-29',
    timezone: 'America/New_York',
    firstName: 'Leap',
    lastName: 'Day',
  });

  const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const years = expected.map((due) => due.year);
  expect(requests.map((request) => request.body.occurrenceDate)).toEqual(
    years.map((year) => `${year}-02-${isLeap(year) ? 29 : 28}`),
  );
  // February in New York is always EST (UTC-5): 09:00 local is 14:00 UTC.
  expect(requests.map((request) => request.body.scheduledAt)).toEqual(
    years.map((year) => `${year}-02-${isLeap(year) ? 29 : 28}T14:00:00.000Z`),
  );
  expect(ledger.map((row) => row.status)).toEqual(['delivered', 'delivered', 'delivered']);
});
