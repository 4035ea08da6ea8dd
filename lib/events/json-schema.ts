import * as z from 'zod';
import { EVENT_SCHEMA_VERSION, LifecycleEventSchema } from './schemas.js';

/** The documented JSON Schema of a lifecycle event (docs/events.schema.json), derived from the zod schema. */
export function eventsJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:freezer-dr:lifecycle-event:v${EVENT_SCHEMA_VERSION}`,
    title: `freezer-dr lifecycle event, version ${EVENT_SCHEMA_VERSION}`,
    description:
      'The `detail` of an EventBridge event with source "freezer-dr" and detail-type "freezer-dr.<type>"; locally, the `event` field of the log line and the body of the webhook POST.',
    ...z.toJSONSchema(LifecycleEventSchema, { target: 'draft-2020-12' }),
  };
}
