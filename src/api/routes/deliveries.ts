import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { UserService } from '../../users/user-service';
import { errorResponses, json } from '../error-responses';
import { foundUser } from '../errors';
import { deliveryPageSchema } from '../response-schemas';
import { deliveriesQuerySchema, userPathSchema } from '../schemas';

// The delivery ledger of one user, mounted under /users.

const listDeliveries = createRoute({
  method: 'get',
  path: '/{id}/deliveries',
  operationId: 'listDeliveries',
  summary: "A user's delivery ledger, newest occurrence first, a page at a time",
  tags: ['Deliveries'],
  request: { params: userPathSchema, query: deliveriesQuerySchema },
  responses: {
    200: { description: 'A page of the ledger', ...json(deliveryPageSchema) },
    ...errorResponses({ 400: ['invalid_id', 'validation_failed', 'invalid_cursor'], 404: ['user_not_found'] }),
  },
});

export function deliveryRoutes(users: UserService): OpenAPIHono {
  const routes = new OpenAPIHono();

  routes.openapi(listDeliveries, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(foundUser(await users.deliveries(id, c.req.valid('query')), id), 200);
  });

  return routes;
}
