import { HTTPException } from 'hono/http-exception';
import { ApiError } from './errors';
import { userJson } from './user-json';
import type { User } from '../db/users';

// The one table from the errors the service layers throw to the status and code the API answers with. Errors are
// matched by `name`, not `instanceof`: they come from other layers (the database, Temporal), whose classes the API
// should not have to be the same copy of.

type ToApiError = (error: Error & Record<string, unknown>) => ApiError;

const DOMAIN_ERRORS: Record<string, ToApiError> = {
  // src/users/user-schedule.ts
  UserNotFoundError: (error) => new ApiError(404, 'user_not_found', error.message),
  DeliveryNotFoundError: (error) => new ApiError(404, 'delivery_not_found', error.message),
  DeliveryNotRetryableError: (error) => new ApiError(409, 'delivery_not_retryable', error.message),
  EventNotSetError: (error) => new ApiError(404, 'event_not_set', error.message),
  // src/db/users.ts
  EmailTakenError: (error) =>
    new ApiError(409, 'email_taken', error.message, [{ path: 'email', message: 'already used by another user' }]),
  ExternalIdTakenError: (error) =>
    new ApiError(409, 'external_id_taken', error.message, [
      { path: 'externalId', message: 'already used by another user' },
    ]),
  // src/users/user-service.ts
  IdempotencyKeyReusedError: (error) => new ApiError(422, 'idempotency_key_reused', error.message),
  ScheduleRejectedError: (error) =>
    new ApiError(422, 'schedule_rejected', `the user's workflow refused the change: ${error.message}`),
  SchedulerUnavailableError: (error) =>
    new ApiError(503, 'scheduler_unavailable', error.message, [], {
      user: error.user ? userJson(error.user as User) : null,
    }),
  // src/users/change-admission.ts
  OverloadedError: (error) =>
    new ApiError(429, 'overloaded', error.message, [], {}, { 'Retry-After': String(error.retryAfterSeconds) }),
  // src/temporal/greeting-workflows.ts (a refused change reaches the API as ScheduleRejectedError: this is a re-drive)
  WorkflowNotRunningError: (error) => new ApiError(409, 'workflow_not_running', error.message),
  WorkflowRejectedError: (error) => new ApiError(409, 'redrive_rejected', error.message),
  TemporalUnavailableError: (error) => new ApiError(503, 'temporal_unavailable', error.message),
  ScheduleUnplannableError: (error) => new ApiError(409, 'schedule_unplannable', error.message),
  PlanUnavailableError: (error) => new ApiError(503, 'plan_unavailable', error.message),
  // A re-drive that raced a DELETE: the workflow found the user gone.
  UserDeletedError: (error) => new ApiError(404, 'user_not_found', error.message),
  // src/db/keyset-page.ts
  InvalidCursorError: (error) =>
    new ApiError(400, 'invalid_cursor', "the cursor is not of the form this list's nextCursor has", [
      { path: 'cursor', message: error.message },
    ]),
};

/** The answer for an error, or undefined for one the API does not expect (a bug: 500 without details). */
export function apiErrorFor(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own refusals; its media type check (a stricter one than ours, see json-body.ts) answers 415.
    const code = error.status === 415 ? 'unsupported_media_type' : 'bad_request';
    return new ApiError(error.status, code, error.message || 'bad request');
  }
  if (!(error instanceof Error) || !Object.hasOwn(DOMAIN_ERRORS, error.name)) return undefined;
  return DOMAIN_ERRORS[error.name]!(error as Error & Record<string, unknown>);
}
