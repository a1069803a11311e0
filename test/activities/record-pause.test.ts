import { WebhookSigner } from '../../src/activities/webhook-signature';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';
import { createDeliveryActivities, createPauseActivities } from '../../src/activities';
import type { Db } from '../../src/db/client';
import { armOccurrence } from '../../src/db/armed-occurrences';
import { findLiveUser, pauseUser, resumeUser, softDeleteUser, type User } from '../../src/db/users';
import { armedRowOf } from '../../src/greetings/armed-row';
import { nextOccurrence } from '../../src/time/next-occurrence';
import { createDeliveryMetrics } from '../../src/metrics/delivery-metrics';
import { TEST_WEBHOOK_SECRET } from '../support/environment';
import { createUserRow, deliveriesOf, personWithBirthdayIn } from '../support/fixtures';
import { silentLog } from '../support/silent-log';
import { useTestDb } from '../support/test-db';
import { startTestReceiver, type TestReceiver } from '../support/test-receiver';

// What the workflow runs for the `pause` and `resume` signals, and what a delivery attempt does for a paused user,
// against the real Postgres and a real webhook receiver.

let db: Db;
useTestDb((opened) => (db = opened));

let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

const newUser = () => createUserRow(db, personWithBirthdayIn(0, Date.now(), 'UTC'));
const scheduleOf = (user: User) => ({ date: user.birthday, timezone: user.timezone, deliveryTime: '09:00' });

describe('the latest pause or resume wins, whichever way it came (API or signal)', () => {
  const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second));
  const pauseOf = async (id: string) => (await findLiveUser(db, id))?.pause ?? null;

  test("a signal's pause asked before an API resume, written after it (its write waited out an outage), changes nothing", async () => {
    const user = await newUser();
    const signals = createPauseActivities({ db });
    await pauseUser(db, user.id, 'from the API', at(0), true);
    // The operator signals `pause` at 0:05; Postgres is down, the activity retries. Support resumes at 0:10.
    await resumeUser(db, user.id, at(10), true);
    await signals.recordPause({ userId: user.id, reason: 'from the CLI', askedAtMs: at(5).getTime() });
    expect(await pauseOf(user.id)).toBeNull();
  });

  test("a signal's resume asked before an API pause, written after it, does not greet the paused user", async () => {
    const user = await newUser();
    await armOccurrence(
      db,
      armedRowOf(user.id, 'birthday', nextOccurrence({ ...scheduleOf(user), nowMs: Date.now() })),
    );
    const signals = createPauseActivities({ db });
    await pauseUser(db, user.id, 'asked to stop', at(10), true);
    await signals.recordResume({ userId: user.id, askedAtMs: at(5).getTime() });
    expect(await pauseOf(user.id)).toEqual({ since: at(10).toISOString(), reason: 'asked to stop' });
    // Nothing was armed again for a dispatcher: the pause's disarm stands.
    expect((await deliveriesOf(db, user.id)).filter((row) => row.status === 'scheduled')).toEqual([]);
  });

  test('in the order asked, each one takes effect: a signal after the API, the API after a signal', async () => {
    const user = await newUser();
    const signals = createPauseActivities({ db });
    await resumeUser(db, user.id, at(0), true);
    await signals.recordPause({ userId: user.id, reason: 'from the CLI', askedAtMs: at(5).getTime() });
    expect(await pauseOf(user.id)).toEqual({ since: at(5).toISOString(), reason: 'from the CLI' });
    await resumeUser(db, user.id, at(10), true);
    expect(await pauseOf(user.id)).toBeNull();
    await signals.recordPause({ userId: user.id, askedAtMs: at(15).getTime() });
    expect(await pauseOf(user.id)).toEqual({ since: at(15).toISOString(), reason: null });
  });
});

describe('recordPause and recordResume', () => {
  test('record the pause with its reason, then its end, without flagging the row for the reconciler', async () => {
    const user = await newUser();
    const pausedAt = new Date('2030-01-01T00:00:00.000Z');
    const pause = createPauseActivities({ db, now: () => pausedAt });

    await pause.recordPause({ userId: user.id, reason: 'asked by support' });
    expect(await findLiveUser(db, user.id)).toMatchObject({
      pause: { since: pausedAt.toISOString(), reason: 'asked by support' },
    });
    await pause.recordPause({ userId: user.id });
    expect((await findLiveUser(db, user.id))?.pause).toEqual({ since: pausedAt.toISOString(), reason: null });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).workflowSyncRequestedAt).toBeNull();

    await pause.recordResume({ userId: user.id });
    expect((await findLiveUser(db, user.id))?.pause).toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).workflowSyncRequestedAt).toBeNull();
  });

  test('a deleted user is left as is', async () => {
    const user = await newUser();
    await softDeleteUser(db, user.id, new Date());
    const pause = createPauseActivities({ db });

    await expect(pause.recordPause({ userId: user.id, reason: 'x' })).resolves.toBeUndefined();
    await expect(pause.recordResume({ userId: user.id })).resolves.toBeUndefined();
    expect(await db.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ pausedAt: null });
  });
});

describe('a delivery attempt for a paused user', () => {
  function deliveryActivities() {
    return createDeliveryActivities({
      db,
      webhookUrl: receiver.url,
      webhookSigner: new WebhookSigner([TEST_WEBHOOK_SECRET]),
      webhookTimeoutMs: 5_000,
      maxLatenessMs: null,
      log: silentLog,
      metrics: createDeliveryMetrics(new Registry()),
    });
  }

  test('settles as skipped with the reason and sends nothing; a re-drive once resumed sends it', async () => {
    const user = await newUser();
    await createPauseActivities({ db }).recordPause({ userId: user.id, reason: 'on leave' });
    const activities = deliveryActivities();
    const occurrence = {
      userId: user.id,
      eventType: 'birthday' as const,
      occurrenceYear: 2032,
      occurrenceDate: '2032-01-01',
      scheduledAt: new Date().toISOString(),
      workflowId: 'test',
      runId: 'test',
    };
    const before = receiver.requests.length;

    const outcome = await new MockActivityEnvironment().run(() => activities.deliverGreeting(occurrence));
    expect(outcome).toEqual({ outcome: 'skipped', deliveryId: expect.any(String), reason: 'on leave' });
    expect(receiver.requests).toHaveLength(before);
    expect(await deliveriesOf(db, user.id)).toEqual([
      expect.objectContaining({ status: 'skipped', lastError: 'paused: on leave', attempts: 0 }),
    ]);

    // Still paused: the re-drive is skipped again.
    const { workflowId, runId, occurrenceYear, eventType, userId } = occurrence;
    const redrive = { userId, eventType, occurrenceYear, workflowId, runId };
    await expect(new MockActivityEnvironment().run(() => activities.redeliverGreeting(redrive))).resolves.toMatchObject(
      { outcome: 'skipped' },
    );
    expect(receiver.requests).toHaveLength(before);

    await createPauseActivities({ db }).recordResume({ userId: user.id });
    await expect(new MockActivityEnvironment().run(() => activities.redeliverGreeting(redrive))).resolves.toMatchObject(
      { outcome: 'delivered' },
    );
    expect(receiver.requests.slice(before).map((request) => request.body.userId)).toEqual([user.id]);
  });
});
