export { createDeliveryActivities } from './deliver-greeting';
export type {
  DeliveryActivities,
  DeliverGreetingInput,
  DeliveryOutcome,
  RecordFailureInput,
  RedeliverGreetingInput,
} from './deliver-greeting';
export { createPlanningActivities } from './plan-delivery';
export type { PlanDeliveryInput, PlanningActivities } from './plan-delivery';
