import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { UserSchedule } from '../../users/user-schedule';
import { errorResponses, json } from '../error-responses';
import { ApiError } from '../errors';
import { nextDeliverySchema, redriveAcceptedSchema } from '../response-schemas';
import { deliveryPathSchema, nextDeliveryQuerySchema, userPathSchema } from '../schemas';

// What a user's workflow plans, and an operator's re-drive of a failed delivery; mounted under /users.

const getNextDelivery = createRoute({
  method: 'get',
  path: '/{id}/next-delivery',
  operationId: 'getNextDelivery',
  summary: "The next delivery the workflow of one of the user's events plans (the birthday's by default)",
  tags: ['Deliveries'],
  request: { params: userPathSchema, query: nextDeliveryQuerySchema },
  responses: {
    200: { description: 'The armed ledger row, else the plan read from the workflow', ...json(nextDeliverySchema) },
    ...errorResponses({
      400: ['invalid_id', 'validation_failed'],
      404: ['user_not_found', 'event_not_set'],
      409: ['workflow_not_running', 'schedule_unplannable'],
      503: ['temporal_unavailable', 'plan_unavailable'],
    }),
  },
});

const retryDelivery = createRoute({
  method: 'post',
  path: '/{id}/deliveries/{deliveryId}/retry',
  operationId: 'retryDelivery',
  summary: 'Send a failed, missed or skipped delivery again, with the same idempotency key',
  tags: ['Deliveries'],
  request: { params: deliveryPathSchema },
  responses: {
    202: { description: 'The workflow accepted the re-drive', ...json(redriveAcceptedSchema) },
    ...errorResponses({
      400: ['invalid_id'],
      404: ['user_not_found', 'delivery_not_found'],
      409: ['delivery_not_retryable', 'workflow_not_running', 'redrive_rejected'],
      503: ['temporal_unavailable'],
    }),
  },
});

export function scheduleRoutes(schedule: UserSchedule): OpenAPIHono {
  const routes = new OpenAPIHono();

  routes.openapi(getNextDelivery, async (c) => {
    const { id } = c.req.valid('param');
    const { eventType } = c.req.valid('query');
    const next = await schedule.nextDelivery(id, eventType);
    if (!next) {
      throw new ApiError(
        409,
        'workflow_not_running',
        `the ${eventType} workflow of user ${id} is not running; the reconciler will start it`,
      );
    }
    return c.json(
      {
        eventType: next.eventType,
        occurrenceYear: next.year,
        occurrenceDate: next.localDate,
        timezone: next.timezone,
        instant: next.instant,
        localDateTime: next.localDateTime,
      },
      200,
    );
  });

  routes.openapi(retryDelivery, async (c) => {
    const { id, deliveryId } = c.req.valid('param');
    const accepted = await schedule.redrive(id, deliveryId);
    return c.json({ ...accepted, status: 'accepted' as const }, 202);
  });

  return routes;
}
