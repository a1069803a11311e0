import { z } from 'zod';
import { API_ERROR_CODES, type ApiErrorCode } from './error-codes';
import { errorBodySchema, savedButUnscheduledSchema } from './response-schemas';

// How a route documents its answers in its `createRoute`: a JSON body, and every error status with the codes it
// carries, each code described from the one list of codes.

export const json = <Schema extends z.ZodType>(schema: Schema) => ({ content: { 'application/json': { schema } } });

type ErrorStatus = 400 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
type Codes = [ApiErrorCode, ...ApiErrorCode[]];

/** The error statuses a route answers with and the codes each carries; 500 `internal_error` is added to all. */
export function errorResponses<Status extends ErrorStatus>(byStatus: Record<Status, Codes>) {
  const all: Record<Status | 500, Codes> = { ...byStatus, 500: ['internal_error'] };
  return Object.fromEntries(
    Object.entries<Codes>(all).map(([status, codes]) => [status, documentedError(codes)]),
  ) as Record<Status | 500, ReturnType<typeof documentedError>>;
}

function documentedError(codes: Codes) {
  return {
    description: codes.map((code) => `\`${code}\`: ${API_ERROR_CODES[code]}`).join('; '),
    content: {
      'application/json': {
        schema: errorBodySchema,
        example: { error: { code: codes[0], message: API_ERROR_CODES[codes[0]], details: [] } },
      },
    },
  };
}

/** What every operation that takes a JSON body may also answer. */
export const BODY_ERRORS = { 413: ['payload_too_large'], 415: ['unsupported_media_type'] } satisfies Partial<
  Record<ErrorStatus, Codes>
>;

/** A change refused before anything was saved because too many wait for Temporal (src/users/change-admission.ts). */
export const overloaded = {
  429: {
    description: `\`overloaded\`: ${API_ERROR_CODES.overloaded}`,
    headers: z.object({
      'retry-after': z.string().meta({ description: 'Seconds to wait before sending the same request again' }),
    }),
    ...json(errorBodySchema),
  },
};

/** A write whose row is saved but whose workflow Temporal did not confirm: 503 with the saved user. */
export const savedButUnscheduled = {
  503: {
    description: `\`scheduler_unavailable\`: ${API_ERROR_CODES.scheduler_unavailable}; a create is retried safely only with the same \`Idempotency-Key\``,
    ...json(savedButUnscheduledSchema),
  },
};
