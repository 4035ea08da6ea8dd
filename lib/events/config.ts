import type { EventSink } from './publish.js';
import { createEventBridgeSink, createWebhookEventSink } from './sinks.js';

/** The sinks a process publishes to: the stack's bus in AWS (FREEZER_DR_EVENT_BUS), the config's webhook anywhere. */
export function eventSinksFor(events: { webhook?: string | undefined }, env: NodeJS.ProcessEnv): EventSink[] {
  return [
    ...(env.FREEZER_DR_EVENT_BUS ? [createEventBridgeSink(env.FREEZER_DR_EVENT_BUS)] : []),
    ...(events.webhook ? [createWebhookEventSink(events.webhook)] : []),
  ];
}
