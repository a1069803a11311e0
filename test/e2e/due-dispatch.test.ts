import { dispatchWorkflowIdFor, workflowIdFor } from '../../src/greetings/ids';
import { dispatchProgressQuery } from '../../src/workflows/definitions';
import { useServiceOnDevServer, type ServiceOnDevServer } from '../support/dev-server';
import { deliveriesOf } from '../support/fixtures';
import { eventually } from '../support/real-time';
import { call } from '../support/service';

// The batch at the due moment, on a real dev server in real time: one dispatcher for the instant sends every armed
// greeting; each user's run wakes after it, confirms who delivered, and arms next year.

const ADAS = 12;
/** Flaky's first attempt answers 503: the row waits for its backoff, then goes out once more. */
const flakyAttempts: number[] = [];

let service: ServiceOnDevServer;
useServiceOnDevServer(
  {
    label: 'dispatch',
    dueInSeconds: 20,
    // The users' runs wake 4 to 40 s after the instant (never in the window's first tenth): the dispatcher has sent by
    // then, even on a busy machine.
    handOverWindowMs: 40_000,
    receiver: {
      statusFor: (_n, body) => {
        if (!String(body.message).includes('Flaky')) return 200;
        flakyAttempts.push(Date.now());
        return flakyAttempts.length === 1 ? 503 : 200;
      },
    },
  },
  (started) => (service = started),
);

const users: Record<string, string> = {};
let dueMs: number;

beforeAll(async () => {
  const create = async (firstName: string) => {
    const created = await call(service.api.url, 'POST', '/users', { ...service.due.person, firstName });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  for (let i = 0; i < ADAS; i++) users[`ada${i}`] = await create('Ada');
  users.flaky = await create('Flaky');
  users.paused = await create('Paused');
  users.gone = await create('Gone');
  expect((await call(service.api.url, 'POST', `/users/${users.paused}/pause`, { reason: 'on holiday' })).status).toBe(
    200,
  );
  expect((await call(service.api.url, 'DELETE', `/users/${users.gone}`)).status).toBe(204);
  const next = await call(service.api.url, 'GET', `/users/${users.ada0}/next-delivery`);
  dueMs = Date.parse(next.body.instant as string);
});

test('one dispatcher sends every armed greeting of the instant once, never before it', async () => {
  const requests = await service.receiver.waitForRequests(ADAS + 2, 60_000);
  const byUser = new Map<string, number[]>();
  for (const request of requests) {
    const userId = request.body.userId as string;
    byUser.set(userId, [...(byUser.get(userId) ?? []), request.receivedAtMs]);
  }
  for (let i = 0; i < ADAS; i++) expect(byUser.get(users[`ada${i}`]!)).toHaveLength(1);
  expect(byUser.get(users.flaky!)).toHaveLength(2);
  expect(byUser.has(users.paused!)).toBe(false);
  expect(byUser.has(users.gone!)).toBe(false);
  for (const request of requests) expect(request.receivedAtMs).toBeGreaterThanOrEqual(dueMs);
  // The 503's backoff (at least the policy's first interval) passed before the second attempt.
  expect(flakyAttempts[1]! - flakyAttempts[0]!).toBeGreaterThanOrEqual(9_500);

  for (let i = 0; i < ADAS; i++) {
    const [row] = await deliveriesOf(service.db, users[`ada${i}`]!);
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 1,
      workflowId: dispatchWorkflowIdFor(row!.scheduledAt.toISOString()),
    });
  }
  const dispatch = service.env.client.workflow.getHandle(dispatchWorkflowIdFor(new Date(dueMs).toISOString()));
  const progress = await dispatch.query(dispatchProgressQuery);
  expect(progress.tally.delivered).toBeGreaterThanOrEqual(ADAS);
});

test("each user's run confirms the year, records who delivered it, and arms next year", async () => {
  const year = new Date(dueMs).getUTCFullYear();
  // The dispatcher armed next year with the delivery: the API shows it before the run has woken to confirm.
  const next = await call(service.api.url, 'GET', `/users/${users.ada1}/next-delivery`);
  expect(next).toMatchObject({ status: 200, body: { occurrenceYear: year + 1 } });
  for (const key of ['ada0', 'ada1', 'flaky']) {
    const rows = await eventually(async () => {
      const found = await deliveriesOf(service.db, users[key]!);
      return found.length === 2 ? found : undefined;
    }, `next year armed for ${key}`);
    expect(rows.map((row) => [row.occurrenceYear, row.status])).toEqual([
      [year, 'delivered'],
      [year + 1, 'scheduled'],
    ]);
  }
  // The year's run wakes within the window, confirms and hands over to next year's: its details name the dispatcher.
  const workflowId = workflowIdFor(users.ada0!, 'birthday');
  const dispatcher = dispatchWorkflowIdFor(new Date(dueMs).toISOString());
  await eventually(
    async () => {
      for await (const run of service.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        const handle = service.env.client.workflow.getHandle(workflowId, run.runId);
        const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
        if (metadata.currentDetails?.includes(`| Delivered | by ${dispatcher} at `)) return true;
      }
      return undefined;
    },
    "ada0's run to confirm the dispatcher's delivery",
    60_000,
  );
});

test('a paused user is skipped by its own run when it wakes; a deleted one is cancelled and never sent', async () => {
  const [paused] = await eventually(
    async () => {
      const rows = await deliveriesOf(service.db, users.paused!);
      return rows[0]?.status === 'skipped' ? rows : undefined;
    },
    'the paused user recorded as skipped',
    60_000,
  );
  expect(paused).toMatchObject({ lastError: 'paused: on holiday', attempts: 0 });
  // Deleted before or after its plan armed the year: nothing stays armed, nothing was attempted.
  const gone = await deliveriesOf(service.db, users.gone!);
  for (const row of gone) expect(row).toMatchObject({ status: 'cancelled', attempts: 0 });
});
