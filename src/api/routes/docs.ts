import { Hono } from 'hono';
import type { oas31 } from 'zod-openapi';
import { ASSETS_PATH, DOCS_ASSETS, DOCS_CONTENT_SECURITY_POLICY, DOCS_PAGE, DOCS_PATH, OPENAPI_PATH } from '../docs-viewer';
import { ApiError } from '../errors';
import { createOpenApiDocument } from '../openapi-document';

/** The OpenAPI document at /openapi.json and the page that shows it to people at /docs, with the page's files. */
export function docsRoutes(): Hono {
  const routes = new Hono();
  // Both are the same for the life of the process: built or read on first use, then kept.
  let document: oas31.OpenAPIObject | undefined;
  const files = new Map<string, Uint8Array<ArrayBuffer> | string>();

  routes.get(OPENAPI_PATH, (c) => c.json((document ??= createOpenApiDocument())));

  routes.get(DOCS_PATH, (c) => c.html(DOCS_PAGE, 200, { 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY }));

  routes.get(`${ASSETS_PATH}/:file`, (c) => {
    const name = c.req.param('file');
    const asset = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (!asset) throw new ApiError(404, 'route_not_found', `no file ${name} in ${ASSETS_PATH}`);
    if (!files.has(name)) files.set(name, asset.read());
    return c.body(files.get(name)!, 200, { 'content-type': asset.contentType, 'cache-control': 'public, max-age=3600' });
  });

  return routes;
}
