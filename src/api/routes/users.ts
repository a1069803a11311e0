import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { UserService } from '../../users/user-service';
import { BODY_ERRORS, errorResponses, json, overloaded, savedButUnscheduled } from '../error-responses';
import { foundUser } from '../errors';
import { jsonBody, optionalJsonBody } from '../json-body';
import {
  createdUserSchema,
  deletionAcceptedSchema,
  updatedUserSchema,
  userPageSchema,
  userSchema,
} from '../response-schemas';
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
  description:
    'Never refused for load: the deletion is saved at once and nothing is sent afterwards (every delivery reads ' +
    'it). While the workers are behind (a large 09:00), the workflows are told by the reconciler instead of now: ' +
    'the answer is then 202.',
  responses: {
    204: { description: 'Deleted; the workflows are cancelled' },
    202: {
      description: 'Deleted; nothing will be sent. The workflows are cancelled by the reconciler shortly',
      ...json(deletionAcceptedSchema),
    },
    ...errorResponses({ 400: ['invalid_id'], 404: ['user_not_found'] }),
  },
});

/** A pause or resume saved while the workers are behind: it holds at once; the workflows hear of it shortly. */
const stopLeftToReconciler = {
  description:
    'Saved, and it holds at once (every delivery reads it); the workers are behind, so the workflows are told by ' +
    'the reconciler shortly instead of now',
  ...json(userSchema),
};

const pauseUser = createRoute({
  method: 'post',
  path: '/{id}/pause',
  operationId: 'pauseUser',
  summary: "Pause a user's greetings: an occurrence that comes due while paused is skipped, nothing is sent",
  description:
    'The pause is saved (never refused for load), then the workflows are told (signal `refreshSchedule`) and plan ' +
    'again. An occurrence whose 09:00 ' +
    'passes while paused is recorded in the ledger as `skipped` with the reason, and the workflow goes on to the ' +
    'next year; resuming does not send it (an operator may re-drive it). Pausing a paused user keeps the instant ' +
    'the pause began and replaces the reason. The body is optional.',
  tags: ['Users'],
  middleware: [optionalJsonBody] as const,
  request: { params: userPathSchema, body: { required: false, ...json(pauseBodySchema) } },
  responses: {
    200: { description: 'The user as saved, paused', ...json(userSchema) },
    202: stopLeftToReconciler,
    ...errorResponses({
      400: ['invalid_id', 'validation_failed', 'invalid_json'],
      404: ['user_not_found'],
      ...BODY_ERRORS,
    }),
    ...savedButUnscheduled,
  },
});

const resumeUser = createRoute({
  method: 'post',
  path: '/{id}/resume',
  operationId: 'resumeUser',
  summary: "End a user's pause; the workflow plans the next occurrence again",
  description:
    'The end of the pause is saved (never refused for load), then the workflows are told (signal ' +
    '`refreshSchedule`) and plan again. Occurrences ' +
    'skipped meanwhile stay skipped. Resuming a user who is not paused changes nothing. No body.',
  tags: ['Users'],
  request: { params: userPathSchema },
  responses: {
    200: { description: 'The user as saved, not paused', ...json(userSchema) },
    202: stopLeftToReconciler,
    ...errorResponses({ 400: ['invalid_id'], 404: ['user_not_found'] }),
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
    const { workflows } = foundUser(await users.delete(id), id);
    if (workflows === 'told') return c.body(null, 204);
    const message = 'deleted: nothing will be sent; the workers are behind, the reconciler cancels the workflows';
    return c.json({ id, deleted: true as const, message }, 202);
  });

  routes.openapi(pauseUser, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const { saved, workflows } = foundUser(await users.pause(id, reason ?? null), id);
    return c.json(userJson(saved), workflows === 'told' ? 200 : 202);
  });

  routes.openapi(resumeUser, async (c) => {
    const { id } = c.req.valid('param');
    const { saved, workflows } = foundUser(await users.resume(id), id);
    return c.json(userJson(saved), workflows === 'told' ? 200 : 202);
  });

  return routes;
}
