import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { UserService } from '../../users/user-service';
import { BODY_ERRORS, errorResponses, json, overloaded, savedButUnscheduled } from '../error-responses';
import { foundUser } from '../errors';
import { jsonBody, optionalJsonBody } from '../json-body';
import { createdUserSchema, updatedUserSchema, userPageSchema, userSchema } from '../response-schemas';
import { createHeadersSchema, listQuerySchema, pauseBodySchema, userBodySchema, userPathSchema } from '../schemas';
import { userJson } from '../user-json';

// CRUD on users and their pause, mounted under /users. Each handler takes its validated input, calls the user service once and
// answers with a status; the service's errors become answers in the app's one error handler.

const userBody = { required: true, ...json(userBodySchema) };

const createUser = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createUser',
  summary: 'Create a user and start their yearly greeting workflow',
  tags: ['Users'],
  description:
    'Send an `Idempotency-Key` to make retrying safe: a create sent again with the same key and the same fields ' +
    '(after a timeout, a 503 or a 429) answers 201 with the user the first one made (`Idempotent-Replayed: true`), ' +
    'and never makes a second user with a second greeting.',
  middleware: [jsonBody] as const,
  request: { headers: createHeadersSchema, body: userBody },
  responses: {
    201: {
      description: 'The user as saved, with the first delivery already planned',
      headers: z.object({
        location: z.string().meta({ description: 'The path of the new user' }),
        'idempotent-replayed': z
          .literal('true')
          .optional()
          .meta({ description: 'Present when an earlier create with the same Idempotency-Key made this user' }),
      }),
      ...json(createdUserSchema),
    },
    ...errorResponses({
      400: ['validation_failed', 'invalid_json'],
      409: ['email_taken'],
      422: ['idempotency_key_reused'],
      ...BODY_ERRORS,
    }),
    ...overloaded,
    ...savedButUnscheduled,
  },
});

const listUsers = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listUsers',
  summary: 'List live users, oldest first, a page at a time',
  description:
    'Each user who existed when paging began is listed once, whatever is created meanwhile. Unknown query ' +
    'parameters are refused.',
  tags: ['Users'],
  request: { query: listQuerySchema },
  responses: {
    200: { description: 'A page of users', ...json(userPageSchema) },
    ...errorResponses({ 400: ['validation_failed', 'invalid_cursor'] }),
  },
});

const getUser = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getUser',
  summary: 'Read a user',
  tags: ['Users'],
  request: { params: userPathSchema },
  responses: {
    200: { description: 'The user', ...json(userSchema) },
    ...errorResponses({ 400: ['invalid_id'], 404: ['user_not_found'] }),
  },
});

const updateUser = createRoute({
  method: 'put',
  path: '/{id}',
  operationId: 'updateUser',
  summary: "Replace a user's fields and move their workflow's schedule",
  description:
    'A change of `birthday` or `timezone` is handed to the workflow, which plans again from the saved row. A change ' +
    'of names or email only is saved without disturbing the workflow (unless an earlier change is still waiting ' +
    'for it); `nextDelivery` is then its current plan.',
  tags: ['Users'],
  middleware: [jsonBody] as const,
  request: { params: userPathSchema, body: userBody },
  responses: {
    200: { description: "The user as saved and the workflow's new plan", ...json(updatedUserSchema) },
    ...errorResponses({
      400: ['invalid_id', 'validation_failed', 'invalid_json'],
      404: ['user_not_found'],
      409: ['email_taken'],
      422: ['schedule_rejected'],
      ...BODY_ERRORS,
    }),
    ...overloaded,
    ...savedButUnscheduled,
  },
});

const deleteUser = createRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'deleteUser',
  summary: 'Delete a user; nothing is ever sent to them afterwards',
  tags: ['Users'],
  request: { params: userPathSchema },
  responses: {
    204: { description: 'Deleted; the workflow is cancelled' },
    ...errorResponses({ 400: ['invalid_id'], 404: ['user_not_found'] }),
    ...overloaded,
  },
});

const pauseUser = createRoute({
  method: 'post',
  path: '/{id}/pause',
  operationId: 'pauseUser',
  summary: "Pause a user's greetings: an occurrence that comes due while paused is skipped, nothing is sent",
  description:
    'The pause is saved, then the workflow is told (signal `pause`) and plans again. An occurrence whose 09:00 ' +
    'passes while paused is recorded in the ledger as `skipped` with the reason, and the workflow goes on to the ' +
    'next year; resuming does not send it (an operator may re-drive it). Pausing a paused user keeps the instant ' +
    'the pause began and replaces the reason. The body is optional.',
  tags: ['Users'],
  middleware: [optionalJsonBody] as const,
  request: { params: userPathSchema, body: { required: false, ...json(pauseBodySchema) } },
  responses: {
    200: { description: 'The user as saved, paused', ...json(userSchema) },
    ...errorResponses({
      400: ['invalid_id', 'validation_failed', 'invalid_json'],
      404: ['user_not_found'],
      ...BODY_ERRORS,
    }),
    ...overloaded,
    ...savedButUnscheduled,
  },
});

const resumeUser = createRoute({
  method: 'post',
  path: '/{id}/resume',
  operationId: 'resumeUser',
  summary: "End a user's pause; the workflow plans the next occurrence again",
  description:
    'The end of the pause is saved, then the workflow is told (signal `resume`) and plans again. Occurrences ' +
    'skipped meanwhile stay skipped. Resuming a user who is not paused changes nothing. No body.',
  tags: ['Users'],
  request: { params: userPathSchema },
  responses: {
    200: { description: 'The user as saved, not paused', ...json(userSchema) },
    ...errorResponses({ 400: ['invalid_id'], 404: ['user_not_found'] }),
    ...overloaded,
    ...savedButUnscheduled,
  },
});

export function userRoutes(users: UserService): OpenAPIHono {
  const routes = new OpenAPIHono();

  routes.openapi(createUser, async (c) => {
    const { user, replayed, nextDelivery } = await users.create(
      c.req.valid('json'),
      c.req.valid('header')['idempotency-key'],
    );
    return c.json({ ...userJson(user), nextDelivery }, 201, {
      location: `/users/${user.id}`,
      ...(replayed && { 'idempotent-replayed': 'true' }),
    });
  });

  routes.openapi(listUsers, async (c) => {
    const page = await users.list(c.req.valid('query'));
    return c.json({ ...page, items: page.items.map(userJson) }, 200);
  });

  routes.openapi(getUser, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(userJson(foundUser(await users.get(id), id)), 200);
  });

  routes.openapi(updateUser, async (c) => {
    const { id } = c.req.valid('param');
    const { user, nextDelivery } = foundUser(await users.update(id, c.req.valid('json')), id);
    return c.json({ ...userJson(user), nextDelivery }, 200);
  });

  routes.openapi(deleteUser, async (c) => {
    const { id } = c.req.valid('param');
    foundUser(await users.delete(id), id);
    return c.body(null, 204);
  });

  routes.openapi(pauseUser, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    return c.json(userJson(foundUser(await users.pause(id, reason ?? null), id)), 200);
  });

  routes.openapi(resumeUser, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(userJson(foundUser(await users.resume(id), id)), 200);
  });

  return routes;
}
