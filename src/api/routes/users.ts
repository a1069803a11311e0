import { Hono, type Context } from 'hono';
import type { UserService } from '../../users/user-service';
import { ApiError, validationError } from '../errors';
import { foundUser, parseQuery, parseUserId } from '../inputs';
import { listQuerySchema, userBodySchema } from '../schemas';

/**
 * CRUD on users. Each handler parses its input, calls the user service once and answers with a status; the service's
 * errors become answers in the app's one error handler.
 */
export function userRoutes(users: UserService): Hono {
  const routes = new Hono();

  routes.post('/', async (c) => {
    const body = parseUserBody(await readJson(c));
    const user = await users.create(body);
    return c.json(user, 201, { location: `/users/${user.id}` });
  });

  routes.get('/', async (c) => {
    const query = parseQuery(listQuerySchema, c.req.query());
    return c.json(await users.list(query));
  });

  routes.get('/:id', async (c) => {
    const id = parseUserId(c.req.param('id'));
    return c.json(foundUser(await users.get(id), id));
  });

  routes.put('/:id', async (c) => {
    const id = parseUserId(c.req.param('id'));
    const body = parseUserBody(await readJson(c));
    const { user, nextDelivery } = foundUser(await users.update(id, body), id);
    return c.json({ ...user, nextDelivery });
  });

  routes.delete('/:id', async (c) => {
    const id = parseUserId(c.req.param('id'));
    foundUser(await users.delete(id), id);
    return c.body(null, 204);
  });

  return routes;
}

async function readJson(c: Context): Promise<unknown> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON with content-type application/json');
  }
  try {
    return await c.req.json();
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

function parseUserBody(body: unknown) {
  const parsed = userBodySchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, 'the user is not valid');
  return parsed.data;
}
