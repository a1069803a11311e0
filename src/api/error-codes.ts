// Every code an error body can carry, with when it is sent. ApiError only takes these codes, and the OpenAPI
// document's enum and descriptions are built from this list, so the two cannot drift apart.
export const API_ERROR_CODES = {
  validation_failed: 'the body or query string does not match the schema (`details` names each field)',
  invalid_json: 'the body is not JSON',
  invalid_id: 'an id in the path is not a UUID',
  invalid_cursor: "the list cursor is not of the form this list's `nextCursor` has (its `pattern`)",
  bad_request: 'any other malformed request',
  unauthorized: 'no API key, or one this API does not accept: send `Authorization: Bearer <key>`',
  rate_limited: 'this API key sent more requests than API_RATE_LIMIT allows; send again after `Retry-After` seconds',
  user_not_found: 'no live user with that id',
  delivery_not_found: 'the user has no delivery with that id',
  event_not_set: 'the user has no date for that event type (e.g. no `anniversary`), so nothing is planned for it',
  email_taken: 'another live user has this email',
  external_id_taken: 'another live user has this `externalId`',
  delivery_not_retryable: 'only `failed`, `missed` or `skipped` deliveries can be retried',
  workflow_not_running: "the user's workflow is not running (the reconciler will start it)",
  redrive_rejected: 'the workflow refused the re-drive',
  schedule_unplannable:
    "the user's workflow cannot plan the saved schedule (e.g. a zone the worker's time-zone data lacks); a PUT fixes it",
  schedule_rejected: 'the workflow refused the change (e.g. a zone its time-zone data does not know); nothing changed',
  idempotency_key_reused:
    "this create's `Idempotency-Key` was used before for other fields, or for a user deleted since; nothing was saved",
  route_not_found: 'no such route',
  method_not_allowed: 'the path exists but does not answer this method; the `Allow` header lists those it answers',
  payload_too_large: 'the body is over 16 KiB (an import: over 5 MiB, or NDJSON of more than 10,000 lines)',
  unsupported_media_type: 'the body is not sent as `application/json`',
  overloaded:
    'too many changes are waiting for Temporal; nothing was saved: send the same request again after `Retry-After` seconds',
  scheduler_unavailable:
    "Temporal did not answer; the change is saved (the body's `user`) and the reconciler completes it",
  temporal_unavailable: 'Temporal did not answer in time (a read or a re-drive); nothing changed, ask again later',
  plan_unavailable:
    "the worker could not plan the user's next delivery (its database unreachable); it retries on its own",
  internal_error: 'a bug: the body never carries a stack trace',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export const apiErrorCodes = Object.keys(API_ERROR_CODES) as [ApiErrorCode, ...ApiErrorCode[]];
