import { HTTPException } from 'hono/http-exception';
import { apiErrorFor } from '../../src/api/domain-errors';
import { InvalidCursorError } from '../../src/db/keyset-page';
import { EmailTakenError, ExternalIdTakenError } from '../../src/db/users';
import { WorkflowNotRunningError, WorkflowRejectedError } from '../../src/temporal/greeting-workflows';
import {
  DeliveryNotFoundError,
  DeliveryNotRetryableError,
  EventNotSetError,
  UserNotFoundError,
} from '../../src/users/user-schedule';
import { ScheduleRejectedError, SchedulerUnavailableError } from '../../src/users/user-service';

// The one table from the service layers' errors to answers, checked against the real error classes: a class renamed
// without the table would answer 500 here before it does in production.

const user = {
  id: '00000000-0000-4000-8000-000000000000',
  firstName: 'Ada',
  lastName: 'Lovelace',
  birthday: '1990-12-10',
  anniversary: null,
  timezone: 'Europe/London',
  email: null,
  externalId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  pause: { since: '2026-01-02T00:00:00.000Z', reason: 'on leave' },
  scheduleSince: { birthday: '2026-01-01T00:00:00.000Z', anniversary: '2026-01-01T00:00:00.000Z' },
};

test.each([
  [new UserNotFoundError('m'), 404, 'user_not_found'],
  [new DeliveryNotFoundError('m'), 404, 'delivery_not_found'],
  [new DeliveryNotRetryableError('m'), 409, 'delivery_not_retryable'],
  [new EventNotSetError('m'), 404, 'event_not_set'],
  [new EmailTakenError('m'), 409, 'email_taken'],
  [new ExternalIdTakenError('m'), 409, 'external_id_taken'],
  [new ScheduleRejectedError('m'), 422, 'schedule_rejected'],
  [new SchedulerUnavailableError('m', user), 503, 'scheduler_unavailable'],
  [new WorkflowNotRunningError('m'), 409, 'workflow_not_running'],
  [new WorkflowRejectedError('m'), 409, 'redrive_rejected'],
  [new InvalidCursorError('m'), 400, 'invalid_cursor'],
  [new HTTPException(415), 415, 'unsupported_media_type'],
  [new HTTPException(400, { message: 'Malformed' }), 400, 'bad_request'],
])('%s answers %i %s', (error, status, code) => {
  expect(apiErrorFor(error)).toMatchObject({ status, code });
});

test('an error is known by its name, whichever copy of its class threw it', () => {
  const fromAnotherCopy = Object.assign(new Error('no user with id x'), { name: 'UserNotFoundError' });
  expect(apiErrorFor(fromAnotherCopy)).toMatchObject({
    status: 404,
    code: 'user_not_found',
    message: 'no user with id x',
  });
});

test('the saved user of a 503 (as the API shows a user) and the field of a taken email go into the answer', () => {
  // The schedule's `since` instants are the plans' own, not part of the user the API shows.
  const { pause: _pause, scheduleSince: _scheduleSince, ...fields } = user;
  expect(apiErrorFor(new SchedulerUnavailableError('m', user))?.extra).toEqual({
    user: { ...fields, paused: true, pausedAt: '2026-01-02T00:00:00.000Z', pauseReason: 'on leave' },
  });
  expect(apiErrorFor(new EmailTakenError('m'))?.details).toEqual([
    { path: 'email', message: 'already used by another user' },
  ]);
});

test.each([
  ['an unknown error', new TypeError('x')],
  ['a server-side HTTPException', new HTTPException(502)],
  ['a thrown non-error', 'boom'],
])('%s is not mapped: the app answers 500', (_label, error) => {
  expect(apiErrorFor(error)).toBeUndefined();
});
