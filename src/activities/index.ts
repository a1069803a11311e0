export { createDeliveryActivities } from './deliver-greeting';
export type {
  DeliveryActivities,
  DeliverGreetingInput,
  RecordFailureInput,
  RedeliverGreetingInput,
} from './deliver-greeting';
export { createPlanningActivities } from './plan-delivery';
export type { PlanDeliveryInput, PlanningActivities } from './plan-delivery';
export { createPauseActivities } from './record-pause';
export type { PauseActivities } from './record-pause';
