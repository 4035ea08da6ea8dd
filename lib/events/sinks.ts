import { EVENT_SOURCE, type LifecycleEvent } from './schemas.js';
import type { EventSink } from './publish.js';

/** EventBridge: one PutEvents per event on the stack's bus; a rule routes it (PagerDuty, Slack, a ticket). */
export function createEventBridgeSink(busName: string): EventSink {
  let client: Promise<{ send: (e: LifecycleEvent) => Promise<void> }> | undefined;
  const init = async () => {
    // Loaded on first use only, so a function that never publishes never loads the SDK.
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    // Bounded: an unreachable endpoint (a VPC without the events endpoint) must not hold a Task to its timeout.
    const eb = new EventBridgeClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
    });
    return {
      async send(event: LifecycleEvent) {
        const out = await eb.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: busName,
                Source: EVENT_SOURCE,
                DetailType: `freezer-dr.${event.type}`,
                Time: new Date(event.time),
                Detail: JSON.stringify(event),
                Resources: [],
              },
            ],
          }),
        );
        if (out.FailedEntryCount) {
          const e = out.Entries?.[0];
          throw Object.assign(new Error(`PutEvents refused the event: ${e?.ErrorCode} ${e?.ErrorMessage ?? ''}`), {
            name: 'EventNotPublishedError',
          });
        }
      },
    };
  };
  return {
    name: `eventbridge:${busName}`,
    async send(event) {
      client ??= init();
      await (await client).send(event);
    },
  };
}

/** A webhook: the event as the JSON body of a POST, 5 s timeout, no retry (the log has it). */
export function createWebhookEventSink(url: string, fetchImpl: typeof fetch = fetch): EventSink {
  return {
    name: `webhook:${new URL(url).host}`,
    async send(event) {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'freezer-dr' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok)
        throw Object.assign(new Error(`POST ${new URL(url).origin} answered ${res.status}`), {
          name: 'EventNotPublishedError',
        });
    },
  };
}
