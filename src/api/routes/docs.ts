import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  ASSETS_PATH,
  DOCS_ASSETS,
  DOCS_CONTENT_SECURITY_POLICY,
  DOCS_PAGE,
  DOCS_PATH,
  OPENAPI_PATH,
} from '../docs-viewer';
import { errorResponses, json } from '../error-responses';
import { ApiError } from '../errors';

// The OpenAPI document at /openapi.json and the page that shows it to people at /docs, with the page's files.

const getOpenApiDocument = createRoute({
  method: 'get',
  path: OPENAPI_PATH,
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  tags: ['Documentation'],
  responses: {
    200: { description: 'OpenAPI 3.1', ...json(z.looseObject({ openapi: z.string() })) },
    ...errorResponses({}),
  },
});

const getDocsPage = createRoute({
  method: 'get',
  path: DOCS_PATH,
  operationId: 'getDocsPage',
  summary: 'This document for people (Swagger UI, served without internet access)',
  tags: ['Documentation'],
  responses: {
    200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
    ...errorResponses({}),
  },
});

const getDocsAsset = createRoute({
  method: 'get',
  path: `${ASSETS_PATH}/{file}`,
  operationId: 'getDocsAsset',
  summary: "A file of the docs page's viewer",
  tags: ['Documentation'],
  request: { params: z.object({ file: z.enum(Object.keys(DOCS_ASSETS) as [string, ...string[]]) }) },
  responses: {
    200: {
      description: 'The file',
      content: Object.fromEntries(Object.values(DOCS_ASSETS).map((asset) => [asset.contentType.split(';')[0]!, {}])),
    },
    ...errorResponses({ 404: ['route_not_found'] }),
  },
});

/** `document` builds the OpenAPI document; it is the same for the life of the process, so it is built once. */
export function docsRoutes(document: () => object): OpenAPIHono {
  const routes = new OpenAPIHono();
  let built: object | undefined;
  const files = new Map<string, Uint8Array<ArrayBuffer> | string>();

  routes.openapi(getOpenApiDocument, (c) => c.json((built ??= document()), 200));

  routes.openapi(getDocsPage, (c) =>
    c.html(DOCS_PAGE, 200, { 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY }),
  );

  routes.openapi(
    getDocsAsset,
    (c) => {
      const { file } = c.req.valid('param');
      if (!files.has(file)) files.set(file, DOCS_ASSETS[file]!.read());
      return c.body(files.get(file)!, 200, {
        'content-type': DOCS_ASSETS[file]!.contentType,
        'cache-control': 'public, max-age=3600',
      });
    },
    // A file the viewer does not have is a path that leads nowhere, not a malformed request.
    (result, c) => {
      if (result.success) return undefined;
      throw new ApiError(404, 'route_not_found', `no file ${c.req.param('file')} in ${ASSETS_PATH}`);
    },
  );

  return routes;
}
