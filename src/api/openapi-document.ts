import type { OpenAPIHono } from '@hono/zod-openapi';
import { version } from '../../package.json';
import { isPublicPath } from './authentication';
import { API_ERROR_CODES } from './error-codes';

// The OpenAPI 3.1 document: every operation, its parameters, bodies and answers come from the routes' own
// `createRoute` declarations (and the Zod schemas they validate with); this file only adds what is about the API
// as a whole.

const GENERAL_RULES = `Sends each person a message at 09:00 in their own time zone on their birthday, exactly once.

Every error answers with the same body, \`{ "error": { "code", "message", "details" } }\`. Besides the statuses each
operation lists, any request may be answered \`404 route_not_found\` (no such path), \`405 method_not_allowed\` (a
method the path does not answer; \`Allow\` lists those it does), \`413 payload_too_large\` (a body over 16 KiB; 5 MiB for an import) or
\`400 bad_request\` (otherwise malformed). Unknown body fields and query parameters are refused. The error codes:

${Object.entries(API_ERROR_CODES)
  .map(([code, when]) => `- \`${code}\`: ${when}`)
  .join('\n')}`;

export const ALIAS_TAG = 'Singular aliases';

export function openApiDocument(app: OpenAPIHono) {
  return withAuthentication(
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'yearly-greetings', version, description: GENERAL_RULES },
      tags: [
        { name: 'Users' },
        { name: 'Deliveries' },
        { name: 'Operations' },
        { name: 'Documentation' },
        { name: ALIAS_TAG, description: 'Every `/users` path also answers under `/user`' },
      ],
    }),
  );
}

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** The bearer key scheme, required by every operation but the public ones (src/api/authentication.ts), with its 401. */
function withAuthentication(document: Document): Document {
  document.components = {
    ...document.components,
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description:
          'One of the keys in API_KEYS (`npm start` makes one and prints it; it is kept in DATA_DIR/api-key)',
      },
    },
  };
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    const publicPath = isPublicPath(path.replace(/\{[^}]+\}/g, 'x'));
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations?.[method];
      if (!operation) continue;
      operation.security = publicPath ? [] : [{ apiKey: [] }];
      if (!publicPath) {
        const overloaded = operation.responses?.[429] as { description: string } | undefined;
        const rateLimited = overloaded
          ? { ...overloaded, description: `${overloaded.description}; ${RATE_LIMITED.description}` }
          : RATE_LIMITED;
        operation.responses = { ...operation.responses, 401: UNAUTHORIZED, 429: rateLimited };
      }
    }
  }
  return document;
}

const RATE_LIMITED = {
  description: `\`rate_limited\`: ${API_ERROR_CODES.rate_limited}`,
  headers: { 'Retry-After': { description: 'Seconds to wait before sending again', schema: { type: 'string' } } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const UNAUTHORIZED = {
  description: `\`unauthorized\`: ${API_ERROR_CODES.unauthorized}`,
  headers: { 'WWW-Authenticate': { description: 'The scheme to use: `Bearer`', schema: { type: 'string' } } },
  content: {
    'application/json': {
      schema: { $ref: '#/components/schemas/Error' },
      example: { error: { code: 'unauthorized', message: API_ERROR_CODES.unauthorized, details: [] } },
    },
  },
};
