export * from './schemas.js';
export { publishEvent, setEventSinks, getEventSinks, type EventSink } from './publish.js';
export { createEventBridgeSink, createWebhookEventSink } from './sinks.js';
export { publishPassEvents } from './monitor.js';
export { eventSinksFor } from './config.js';
export { eventsJsonSchema } from './json-schema.js';
