import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { version } from '../../package.json';
import { ASSETS_PATH, DOCS_ASSETS, DOCS_PATH, OPENAPI_PATH } from './docs-viewer';
import { API_ERROR_CODES, type ApiErrorCode } from './error-codes';
import {
  deliveryPageSchema,
  errorBodySchema,
  healthSchema,
  nextDeliverySchema,
  readinessSchema,
  redriveAcceptedSchema,
  savedButUnscheduledSchema,
  updatedUserSchema,
  userPageSchema,
  userSchema,
} from './response-schemas';
import { deliveriesQuerySchema, listQuerySchema, userBodySchema, userIdSchema } from './schemas';

// The OpenAPI 3.1 document, generated from the Zod schemas the routes parse with and the response schemas beside
// them. Each operation lists every status it answers with; error statuses name the codes they carry.

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

type ErrorStatus = '400' | '404' | '409' | '413' | '415' | '422' | '500';

function errors(byStatus: Partial<Record<ErrorStatus, ApiErrorCode[]>>): ZodOpenApiResponsesObject {
  const all = { ...byStatus, '500': ['internal_error' as const] };
  return Object.fromEntries(
    Object.entries(all).map(([status, codes]) => [
      status,
      {
        description: codes.map((code) => `\`${code}\`: ${API_ERROR_CODES[code]}`).join('; '),
        content: {
          'application/json': {
            schema: errorBodySchema,
            example: { error: { code: codes[0], message: API_ERROR_CODES[codes[0]!], details: [] } },
          },
        },
      },
    ]),
  );
}

/** What every operation with a JSON body may also answer. */
const bodyErrors = { '413': ['payload_too_large'], '415': ['unsupported_media_type'] } satisfies Partial<
  Record<ErrorStatus, ApiErrorCode[]>
>;

const savedButUnscheduled = {
  '503': {
    description: `\`scheduler_unavailable\`: ${API_ERROR_CODES.scheduler_unavailable}; do not blindly retry`,
    ...json(savedButUnscheduledSchema),
  },
};

const userPath = z.object({ id: userIdSchema.meta({ description: 'The user id' }) });
const deliveryPath = userPath.extend({
  deliveryId: userIdSchema.meta({ description: 'The `id` of an item of the delivery ledger' }),
});
const userBody = { required: true, ...json(userBodySchema) };

const createUser: ZodOpenApiOperationObject = {
  operationId: 'createUser',
  summary: 'Create a user and start their yearly greeting workflow',
  tags: ['Users'],
  requestBody: userBody,
  responses: {
    '201': {
      description: 'The user as saved',
      headers: z.object({ location: z.string().meta({ description: 'The path of the new user' }) }),
      ...json(userSchema),
    },
    ...errors({ '400': ['validation_failed', 'invalid_json'], '409': ['email_taken'], ...bodyErrors }),
    ...savedButUnscheduled,
  },
};

const listUsers: ZodOpenApiOperationObject = {
  operationId: 'listUsers',
  summary: 'List live users, oldest first, a page at a time',
  description:
    'Each user who existed when paging began is listed once, whatever is created meanwhile. Unknown query ' +
    'parameters are refused.',
  tags: ['Users'],
  requestParams: { query: listQuerySchema },
  responses: {
    '200': { description: 'A page of users', ...json(userPageSchema) },
    ...errors({ '400': ['validation_failed', 'invalid_cursor'] }),
  },
};

const getUser: ZodOpenApiOperationObject = {
  operationId: 'getUser',
  summary: 'Read a user',
  tags: ['Users'],
  requestParams: { path: userPath },
  responses: {
    '200': { description: 'The user', ...json(userSchema) },
    ...errors({ '400': ['invalid_id'], '404': ['user_not_found'] }),
  },
};

const updateUser: ZodOpenApiOperationObject = {
  operationId: 'updateUser',
  summary: "Replace a user's fields and move their workflow's schedule",
  tags: ['Users'],
  requestParams: { path: userPath },
  requestBody: userBody,
  responses: {
    '200': { description: "The user as saved and the workflow's new plan", ...json(updatedUserSchema) },
    ...errors({
      '400': ['invalid_id', 'validation_failed', 'invalid_json'],
      '404': ['user_not_found'],
      '409': ['email_taken'],
      '422': ['schedule_rejected'],
      ...bodyErrors,
    }),
    ...savedButUnscheduled,
  },
};

const deleteUser: ZodOpenApiOperationObject = {
  operationId: 'deleteUser',
  summary: 'Delete a user; nothing is ever sent to them afterwards',
  tags: ['Users'],
  requestParams: { path: userPath },
  responses: {
    '204': { description: 'Deleted; the workflow is cancelled' },
    ...errors({ '400': ['invalid_id'], '404': ['user_not_found'] }),
  },
};

const getNextDelivery: ZodOpenApiOperationObject = {
  operationId: 'getNextDelivery',
  summary: "The next delivery the user's workflow plans",
  tags: ['Deliveries'],
  requestParams: { path: userPath },
  responses: {
    '200': { description: 'Read from the workflow', ...json(nextDeliverySchema) },
    ...errors({ '400': ['invalid_id'], '404': ['user_not_found'], '409': ['workflow_not_running'] }),
  },
};

const listDeliveries: ZodOpenApiOperationObject = {
  operationId: 'listDeliveries',
  summary: "A user's delivery ledger, newest occurrence first, a page at a time",
  tags: ['Deliveries'],
  requestParams: { path: userPath, query: deliveriesQuerySchema },
  responses: {
    '200': { description: 'A page of the ledger', ...json(deliveryPageSchema) },
    ...errors({ '400': ['invalid_id', 'validation_failed', 'invalid_cursor'], '404': ['user_not_found'] }),
  },
};

const retryDelivery: ZodOpenApiOperationObject = {
  operationId: 'retryDelivery',
  summary: 'Send a failed or missed delivery again, with the same idempotency key',
  tags: ['Deliveries'],
  requestParams: { path: deliveryPath },
  responses: {
    '202': { description: 'The workflow accepted the re-drive', ...json(redriveAcceptedSchema) },
    ...errors({
      '400': ['invalid_id'],
      '404': ['user_not_found', 'delivery_not_found'],
      '409': ['delivery_not_retryable', 'workflow_not_running', 'redrive_rejected'],
    }),
  },
};

/** The user routes, also served under the seed's singular `/user` (see `aliases`). */
const userPaths = {
  '/users': { post: createUser, get: listUsers },
  '/users/{id}': { get: getUser, put: updateUser, delete: deleteUser },
  '/users/{id}/next-delivery': { get: getNextDelivery },
  '/users/{id}/deliveries': { get: listDeliveries },
  '/users/{id}/deliveries/{deliveryId}/retry': { post: retryDelivery },
} satisfies ZodOpenApiPathsObject;

/** The same operations under `/user`, each marked as an alias of its `/users` original. */
function aliases(paths: typeof userPaths): ZodOpenApiPathsObject {
  return Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => [
      path.replace(/^\/users/, '/user'),
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => [
          method,
          {
            ...operation,
            operationId: `${operation.operationId}ViaAlias`,
            summary: `${operation.summary} (alias)`,
            description: `An alias of \`${method.toUpperCase()} ${path}\`, kept for the seed's singular paths; it answers the same.`,
            tags: ['Singular aliases'],
          },
        ]),
      ),
    ]),
  );
}

const servicePaths: ZodOpenApiPathsObject = {
  '/health': {
    get: {
      operationId: 'getHealth',
      summary: 'The process is up',
      tags: ['Operations'],
      responses: { '200': { description: 'Serving HTTP', ...json(healthSchema) }, ...errors({}) },
    },
  },
  '/ready': {
    get: {
      operationId: 'getReadiness',
      summary: 'Postgres and Temporal answer',
      tags: ['Operations'],
      responses: {
        '200': { description: 'Every dependency answered', ...json(readinessSchema) },
        '503': { description: 'A dependency did not answer; `checks` says which', ...json(readinessSchema) },
        ...errors({}),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics of this process',
      description: 'Request durations by route pattern and status; under `npm start` also the deliveries and the Temporal SDK metrics.',
      tags: ['Operations'],
      responses: {
        '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
        ...errors({}),
      },
    },
  },
};

const docsPaths: ZodOpenApiPathsObject = {
  [OPENAPI_PATH]: {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['Documentation'],
      responses: {
        '200': { description: 'OpenAPI 3.1', ...json(z.looseObject({ openapi: z.string() })) },
        ...errors({}),
      },
    },
  },
  [DOCS_PATH]: {
    get: {
      operationId: 'getDocsPage',
      summary: 'This document for people (Swagger UI, served without internet access)',
      tags: ['Documentation'],
      responses: {
        '200': { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
        ...errors({}),
      },
    },
  },
  [`${ASSETS_PATH}/{file}`]: {
    get: {
      operationId: 'getDocsAsset',
      summary: "A file of the docs page's viewer",
      tags: ['Documentation'],
      requestParams: { path: z.object({ file: z.enum(Object.keys(DOCS_ASSETS) as [string, ...string[]]) }) },
      responses: {
        '200': {
          description: 'The file',
          content: Object.fromEntries(
            Object.values(DOCS_ASSETS).map((asset) => [asset.contentType.split(';')[0]!, {}]),
          ),
        },
        ...errors({ '404': ['route_not_found'] }),
      },
    },
  },
};

const GENERAL_RULES = `Sends each person a message at 09:00 in their own time zone on their birthday, exactly once.

Every error answers with the same body, \`{ "error": { "code", "message", "details" } }\`. Besides the statuses each
operation lists, any request may be answered \`404 route_not_found\` (no such route or method), \`413
payload_too_large\` (a body over 16 KiB) or \`400 bad_request\` (otherwise malformed). Unknown body fields and query
parameters are refused. The error codes:

${Object.entries(API_ERROR_CODES)
  .map(([code, when]) => `- \`${code}\`: ${when}`)
  .join('\n')}`;

export function createOpenApiDocument(): oas31.OpenAPIObject {
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'yearly-greetings', version, description: GENERAL_RULES },
    tags: [
      { name: 'Users' },
      { name: 'Deliveries' },
      { name: 'Operations' },
      { name: 'Documentation' },
      { name: 'Singular aliases', description: 'Every `/users` path also answers under `/user`' },
    ],
    paths: { ...userPaths, ...aliases(userPaths), ...servicePaths, ...docsPaths },
    components: { schemas: { UserBody: userBodySchema } },
  });
}
