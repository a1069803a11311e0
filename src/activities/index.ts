export { createDeliveryActivities } from './deliver-greeting';
export type { DeliveryActivities, DeliverGreetingInput, DeliveryOutcome, RecordFailureInput } from './deliver-greeting';
