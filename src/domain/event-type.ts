/**
 * Every yearly event type the service greets, in the order the API, the user service and the reconciler go over them.
 * A new type is its name here, its strategy in src/greetings/events (the compiler asks for it), its date column on
 * users (a migration) and its value in the `event_type` enum.
 */
export const eventTypeNames = ['birthday', 'anniversary'] as const;

export type EventType = (typeof eventTypeNames)[number];
