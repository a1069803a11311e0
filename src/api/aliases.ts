import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { mergePath } from 'hono/utils/url';
import { ALIAS_TAG } from './openapi-document';

/**
 * Serves `routes`, mounted at `paths.original`, under `paths.alias` too, and documents each of their operations there
 * as an alias of the original: the same parameters and answers, its own operationId, the aliases' tag.
 */
export function mountAlias(app: OpenAPIHono, routes: OpenAPIHono, paths: { original: string; alias: string }): void {
  // Through a plain Hono: OpenAPIHono.route would document the operations a second time, under the same ids.
  app.route(paths.alias, new Hono().route('/', routes));
  for (const definition of routes.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { route } = definition;
    const original = `${route.method.toUpperCase()} ${mergePath(paths.original, route.path)}`;
    app.openAPIRegistry.registerPath({
      ...route,
      path: mergePath(paths.alias, route.path),
      operationId: `${route.operationId}ViaAlias`,
      summary: `${route.summary} (alias)`,
      description: `An alias of \`${original}\`, kept for the seed's singular paths; it answers the same.`,
      tags: [ALIAS_TAG],
    });
  }
}
