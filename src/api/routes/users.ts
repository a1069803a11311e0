import { Hono, type Context } from 'hono';
import { EmailTakenError, InvalidCursorError } from '../../db/users';
import { ScheduleRejectedError, SchedulerUnavailableError, type UserService } from '../../users/user-service';
import { ApiError, validationError } from '../errors';
import { listQuerySchema, userBodySchema, userIdSchema } from '../schemas';

/** CRUD on users. Each handler parses its input, calls the user service once and maps the result to a status. */
export function userRoutes(users: UserService): Hono {
  const routes = new Hono();

  routes.post('/', async (c) => {
    const body = parseUserBody(await readJson(c));
    const user = await scheduling(() => users.create(body));
    return c.json(user, 201, { location: `/users/${user.id}` });
  });

  routes.get('/', async (c) => {
    const query = listQuerySchema.safeParse(c.req.query());
    if (!query.success) throw validationError(query.error, 'the query string is not valid');
    try {
      const page = await users.list(query.data.limit, query.data.cursor ?? null);
      return c.json({ items: page.users, nextCursor: page.nextCursor });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', 'the cursor is not valid');
      throw error;
    }
  });

  routes.get('/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    return c.json(found(await users.get(id), id));
  });

  routes.put('/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const body = parseUserBody(await readJson(c));
    const { user, nextDelivery } = found(await scheduling(() => users.update(id, body)), id);
    return c.json({ ...user, nextDelivery });
  });

  routes.delete('/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    found(await users.delete(id), id);
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

export function parseId(raw: string): string {
  const parsed = userIdSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid_id', 'the user id is not a UUID', [{ path: 'id', message: 'expected a UUID' }]);
  return parsed.data.toLowerCase();
}

function found<T>(value: T | null | false, id: string): T {
  if (value === null || value === false) throw new ApiError(404, 'user_not_found', `no user with id ${id}`);
  return value;
}

async function scheduling<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SchedulerUnavailableError) {
      throw new ApiError(503, 'scheduler_unavailable', error.message, [], { user: error.user });
    }
    if (error instanceof EmailTakenError) {
      throw new ApiError(409, 'email_taken', error.message, [{ path: 'email', message: 'already used by another user' }]);
    }
    if (error instanceof ScheduleRejectedError) {
      throw new ApiError(422, 'schedule_rejected', `the user's workflow refused the change: ${error.message}`);
    }
    throw error;
  }
}
