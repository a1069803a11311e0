import { Counter, Histogram, type Registry } from 'prom-client';

/** What the planning and delivery activities count and time. */
export interface DeliveryMetrics {
  deliveries: Counter<'event_type' | 'outcome'>;
  /** Plans refused because the user's schedule cannot be planned here (a zone this worker's tz data lacks). */
  unplannable: Counter<'event_type'>;
  lateness: Histogram<'event_type'>;
  webhookDuration: Histogram<'status_class'>;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  return {
    deliveries: new Counter({
      name: 'greetings_deliveries_total',
      help: 'Delivery attempts by outcome; outcome "failed" counts occurrences the workflow gave up on',
      labelNames: ['event_type', 'outcome'],
      registers: [registry],
    }),
    unplannable: new Counter({
      name: 'greetings_unplannable_plans_total',
      help: 'Plans refused because the schedule cannot be planned by this worker (stage "unplannable" of the run)',
      labelNames: ['event_type'],
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'greetings_delivery_lateness_seconds',
      help: 'How long after its due moment each delivered greeting was sent',
      labelNames: ['event_type'],
      // From on time to the day-long lateness limit: seconds matter in a burst, hours after an outage.
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR, 24 * HOUR],
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'greetings_webhook_request_duration_seconds',
      help: 'Duration of webhook calls by the class of the answer (2xx, 4xx, 5xx; "error" when none came)',
      labelNames: ['status_class'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
