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
export type { PauseActivities, RecordPauseInput, RecordResumeInput } from './record-pause';
export { createDispatchActivities } from './dispatch-due-greetings';
export type { DispatchActivities, DispatchPassInput, DispatchPassResult } from './dispatch-due-greetings';
export { createDispatchSweepActivities } from './start-due-dispatchers';
export type { DispatchSweepActivities, DispatchSweepInput, DispatchSweepResult } from './start-due-dispatchers';
