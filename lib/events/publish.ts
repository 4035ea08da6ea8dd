import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.js';
import {
  EVENT_SCHEMA_VERSION,
  LifecycleEventSchema,
  type EventData,
  type EventType,
  type LifecycleEvent,
} from './schemas.js';

/** Where events go besides the log: EventBridge in AWS, a webhook locally (or both). */
export interface EventSink {
  readonly name: string;
  send(event: LifecycleEvent): Promise<void>;
}

let sinks: EventSink[] = [];

export function setEventSinks(next: EventSink[]): void {
  sinks = [...next];
}
export function getEventSinks(): readonly EventSink[] {
  return sinks;
}

/**
 * Publish one lifecycle event: checked against its schema, written to the log, sent to every
 * sink. Never throws and never blocks a recovery on a sink: a failure is logged and dropped
 * (EventBridge and webhooks are for routing alerts, the incident store is the record).
 */
export async function publishEvent<T extends EventType>(
  ctx: { log: Logger; now: () => Date },
  type: T,
  ref: { incidentId: string | null; host: string | null },
  data: EventData<T>,
): Promise<LifecycleEvent<T> | undefined> {
  const subject = (data as { instance?: { id: string } }).instance?.id ?? '';
  const candidate = {
    version: EVENT_SCHEMA_VERSION,
    id: ref.incidentId ? stableId(`${type}|${ref.incidentId}|${subject}`) : randomUUID(),
    time: ctx.now().toISOString(),
    type,
    incidentId: ref.incidentId,
    host: ref.host,
    data,
  };
  const parsed = LifecycleEventSchema.safeParse(candidate);
  if (!parsed.success) {
    ctx.log.error('lifecycle event does not match its schema: not published', { eventType: type });
    return undefined;
  }
  const event = parsed.data as unknown as LifecycleEvent<T>;
  ctx.log.info(`event ${type}`, { component: 'events', event });
  await Promise.all(
    sinks.map((s) =>
      s.send(event).catch((err: unknown) =>
        ctx.log.warn('lifecycle event not delivered', {
          component: 'events',
          sink: s.name,
          eventType: type,
          error: (err as Error).name,
          detail: (err as Error).message,
        }),
      ),
    ),
  );
  return event;
}

/**
 * The id of an incident's event is derived from (type, incident, instance): a Task that Step
 * Functions retries, or an incident resumed after a crash, publishes the same step with the same
 * id, so a consumer drops the repeat. A UUID of version 8 (custom), from SHA-256.
 */
export function stableId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
