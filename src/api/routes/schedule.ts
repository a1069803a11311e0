import { Hono } from 'hono';
import type { UserSchedule } from '../../users/user-schedule';
import { ApiError } from '../errors';
import type { NextDeliveryBody, RedriveAcceptedBody } from '../response-schemas';
import { userIdSchema } from '../schemas';
import { parseUserId } from '../inputs';

/** What a user's workflow plans (`/users/:id/next-delivery`) and an operator's re-drive of a failed delivery. */
export function scheduleRoutes(schedule: UserSchedule): Hono {
  const routes = new Hono();

  routes.get('/:id/next-delivery', async (c) => {
    const id = parseUserId(c.req.param('id'));
    const next = await schedule.nextDelivery(id);
    if (!next) {
      throw new ApiError(409, 'workflow_not_running', `the greeting workflow of user ${id} is not running; the reconciler will start it`);
    }
    return c.json({
      eventType: next.eventType,
      occurrenceYear: next.year,
      occurrenceDate: next.localDate,
      timezone: next.timezone,
      instant: next.instant,
      localDateTime: next.localDateTime,
    } satisfies NextDeliveryBody);
  });

  routes.post('/:id/deliveries/:deliveryId/retry', async (c) => {
    const id = parseUserId(c.req.param('id'));
    const deliveryId = userIdSchema.safeParse(c.req.param('deliveryId'));
    if (!deliveryId.success) {
      throw new ApiError(400, 'invalid_id', 'the delivery id is not a UUID', [{ path: 'deliveryId', message: 'expected a UUID' }]);
    }
    const accepted = await schedule.redrive(id, deliveryId.data.toLowerCase());
    return c.json({ ...accepted, status: 'accepted' } satisfies RedriveAcceptedBody, 202);
  });

  return routes;
}
