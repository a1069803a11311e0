import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { workflowIdFor } from '../../src/greetings/ids';
import { startDevServer } from '../support/environment';
import { sleep } from '../support/real-time';
import { personWithBirthdayIn } from '../support/fixtures';
import { untilRunsStarted } from '../support/runs-started';
import { apiForThisFile, call } from '../support/service';

// Issue 9, section 4: every Update adds events to the workflow's history, so a PUT that changes nothing the
// workflow plans from (a name, an email) sends none; a CRM that syncs names every few minutes must not fill the
// history. On the real dev server, in real time.

const api = apiForThisFile('put-without-update', startDevServer);

// Weeks away, so that the run's first task is weeks away too: it waits in its start delay while the test looks.
const ada = { ...personWithBirthdayIn(40, Date.now(), 'Europe/London'), email: null as string | null };
const dayAfter = DateTime.fromISO(ada.birthday).plus({ days: 1 }).toISODate()!;

/**
 * A user whose run has started with its first plan; the birthday being days away, the run waits in its start delay
 * (its whole history is its start). Answers the user's id.
 */
async function createdAndStarted(): Promise<string> {
  const created = await call(api.url, 'POST', '/users', ada);
  expect(created.status).toBe(201);
  await untilRunsStarted(api.db, created.body.id);
  return created.body.id as string;
}

/** How many events the run's history holds, and how many of them are accepted Updates. */
async function historyOf(userId: string): Promise<{ events: number; updates: number }> {
  const { events } = await api.env.client.workflow.getHandle(workflowIdFor(userId, 'birthday')).fetchHistory();
  return {
    events: events?.length ?? 0,
    updates: (events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length,
  };
}

const flagOf = async (id: string) => (await api.db.user.findUniqueOrThrow({ where: { id } })).workflowSyncRequestedAt;

test('a PUT of names and email only adds no event to the history and answers with the current plan', async () => {
  const id = await createdAndStarted();
  const before = await historyOf(id);
  const plan = (await call(api.url, 'GET', `/users/${id}/next-delivery`)).body;

  for (const lastName of ['King', 'Byron', 'Lovelace-King']) {
    const email = `ada-${randomUUID()}@example.com`;
    const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, lastName, email });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ lastName, email });
    expect(updated.body.nextDelivery).toMatchObject({ instant: plan.instant, year: plan.occurrenceYear });
  }
  // A signal or Update sent by mistake would be in the history by now.
  await sleep(500);

  expect(await historyOf(id)).toEqual(before);
  expect(await flagOf(id)).toBeNull();
  expect((await call(api.url, 'GET', `/users/${id}`)).body).toMatchObject({ lastName: 'Lovelace-King' });
});

test('a PUT that moves the birthday still sends the Update, and the plan moves', async () => {
  const id = await createdAndStarted();
  const before = await historyOf(id);
  const plan = (await call(api.url, 'GET', `/users/${id}/next-delivery`)).body;

  const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, birthday: dayAfter });

  expect(updated.status).toBe(200);
  expect(Date.parse(updated.body.nextDelivery.instant) - Date.parse(plan.instant)).toBe(24 * 3_600_000);
  expect((await historyOf(id)).updates).toBe(before.updates + 1);
  expect(await flagOf(id)).toBeNull();
});

test('a PUT that changes the zone still sends the Update', async () => {
  const id = await createdAndStarted();
  const before = await historyOf(id);

  const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, timezone: 'Asia/Kolkata' });

  expect(updated.status).toBe(200);
  expect(updated.body.nextDelivery).toMatchObject({ timezone: 'Asia/Kolkata' });
  expect((await historyOf(id)).updates).toBe(before.updates + 1);
});

test('a name-only PUT on a row still flagged (a change the workflow has not confirmed) sends the Update', async () => {
  const id = await createdAndStarted();
  await api.db.user.update({ where: { id }, data: { workflowSyncRequestedAt: new Date() } });
  const before = await historyOf(id);

  const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, firstName: 'Augusta' });

  expect(updated.status).toBe(200);
  expect((await historyOf(id)).updates).toBe(before.updates + 1);
  expect(await flagOf(id)).toBeNull();
});

test('a name-only PUT whose workflow is not running starts it through the Update and answers its plan', async () => {
  const id = await createdAndStarted();
  await api.env.client.workflow.getHandle(workflowIdFor(id, 'birthday')).terminate('test: the run is gone');

  const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, firstName: 'Augusta' });

  expect(updated.status).toBe(200);
  expect(updated.body.nextDelivery).toMatchObject({ timezone: 'Europe/London' });
  const description = await api.env.client.workflow.getHandle(workflowIdFor(id, 'birthday')).describe();
  expect(description.status.name).toBe('RUNNING');
  expect(await flagOf(id)).toBeNull();
});

test('a name-only PUT on a run in its start delay with a pause nudge waiting in its history answers the plan it started with', async () => {
  const id = await createdAndStarted();
  const plan = (await call(api.url, 'GET', `/users/${id}/next-delivery`)).body;
  expect((await call(api.url, 'POST', `/users/${id}/pause`)).status).toBe(200);
  // The nudge is a plain signal: it waits in the history and does not wake the run.
  expect(await historyOf(id)).toEqual({ events: 2, updates: 0 });

  const updated = await call(api.url, 'PUT', `/users/${id}`, { ...ada, firstName: 'Augusta' });

  expect(updated.status).toBe(200);
  expect(updated.body.nextDelivery).toMatchObject({ instant: plan.instant, year: plan.occurrenceYear });
});
