import type { Hono } from 'hono';

// What a path answers to, read from the app's own route table, so that a method the path does not serve is told
// apart from a path that does not exist (405 with `Allow`, not 404).

/** The methods some route of `app` serves at `path`, HEAD with GET (Hono answers it); empty when no route matches. */
export function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    // Middleware (`ALL /*`) runs for every path and serves none.
    if (route.method === 'ALL' || !matchesPattern(route.path, path)) continue;
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
}

/** `/users/:id/deliveries` against a request path: each `:param` stands for exactly one non-empty segment. */
function matchesPattern(pattern: string, path: string): boolean {
  const expected = pattern.split('/');
  const actual = path.split('/');
  return (
    expected.length === actual.length &&
    expected.every((segment, index) => (segment.startsWith(':') ? actual[index] !== '' : segment === actual[index]))
  );
}
