import { Hono } from 'hono';
import type { UserService } from '../../users/user-service';
import { foundUser, parseQuery, parseUserId } from '../inputs';
import { deliveriesQuerySchema } from '../schemas';

/** The delivery ledger of one user, mounted under /users/:id/deliveries. */
export function deliveryRoutes(users: UserService): Hono {
  const routes = new Hono();

  routes.get('/', async (c) => {
    const id = parseUserId(c.req.param('id') ?? '');
    const query = parseQuery(deliveriesQuerySchema, c.req.query());
    return c.json(foundUser(await users.deliveries(id, query), id));
  });

  return routes;
}
