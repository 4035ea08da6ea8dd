import { createHash } from 'node:crypto';
import type { NotificationRecord } from '../incidents/index.js';
import { backoffDelay, runPool, sleep as sleepFor } from '../async/index.js';
import { errorMessage } from '../errors.js';
import { redactText, type Logger } from '../log/index.js';
import { MESSAGE_ID_DOMAIN } from './constants.js';
import { DeliveryError } from './errors.js';
import type { Notifier } from './notifier.js';
import type { OutgoingMessage, RetryOptions } from './schemas.js';

/**
 * Deterministic Message-ID for one message to one recipient: a retried Notify step computes the
 * same id, finds it recorded as delivered, and does not send again.
 */
export function messageIdFor(message: Pick<OutgoingMessage, 'scope' | 'kind' | 'key'>, recipient: string): string {
  const hash = createHash('sha256')
    .update(`${message.kind}\n${message.key}\n${recipient.trim().toLowerCase()}`)
    .digest('hex')
    .slice(0, 20);
  const scope = message.scope.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  return `<${scope}.${message.kind}.${hash}@${MESSAGE_ID_DOMAIN}>`;
}

/** The key a feed is recorded under (never a URL: a webhook URL is a credential). */
export function feedRecipient(notifier: Notifier): string {
  return notifier.destination ?? notifier.channel;
}

export interface DeliverOptions {
  /** Message-IDs already delivered for this scope: skipped. */
  done: ReadonlySet<string>;
  retry: RetryOptions;
  log: Logger;
  now: () => Date;
  signal?: AbortSignal;
  /** Only these feeds (default: every feed notifier). */
  feeds?: readonly Notifier[];
  /** Parallel sends. Defaults to 4. */
  concurrency?: number;
  /** Replaceable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Send every message to every recipient, with bounded retries per attempt and fail-over across
 * person channels (the second email channel is tried when the first fails). Returns one record
 * per attempt chain and channel; never throws for a delivery failure.
 */
export async function deliver(
  messages: readonly OutgoingMessage[],
  notifiers: readonly Notifier[],
  opts: DeliverOptions,
): Promise<NotificationRecord[]> {
  const persons = notifiers.filter((n) => n.audience === 'person');
  const feeds = opts.feeds ?? notifiers.filter((n) => n.audience === 'feed');
  const down = new Map<Notifier, string>();
  const records: NotificationRecord[] = [];
  const jobs: Array<() => Promise<void>> = [];
  const queued = new Set<string>();

  for (const message of messages) {
    // Without an email channel, addresses cannot be reached: callers say so in the admin report.
    for (const recipient of persons.length ? message.recipients : []) {
      const messageId = messageIdFor(message, recipient);
      if (opts.done.has(messageId) || queued.has(messageId)) continue;
      queued.add(messageId);
      jobs.push(async () => {
        for (const notifier of persons) {
          const blocked = down.get(notifier);
          if (blocked !== undefined) {
            records.push(
              record(
                opts,
                notifier.channel,
                recipient,
                message,
                false,
                `not attempted: ${notifier.channel} was unreachable for an earlier recipient (${blocked})`,
                messageId,
              ),
            );
            continue;
          }
          const result = await attempt(notifier, message, recipient, messageId, opts);
          records.push(record(opts, notifier.channel, recipient, message, result.ok, result.detail, messageId));
          if (result.ok) return;
          if (result.channelDown) down.set(notifier, result.detail ?? 'unreachable');
        }
      });
    }
    if (!message.toFeeds) continue;
    for (const notifier of feeds) {
      const recipient = feedRecipient(notifier);
      const messageId = messageIdFor(message, `feed:${notifier.channel}:${recipient}`);
      if (opts.done.has(messageId) || queued.has(messageId)) continue;
      queued.add(messageId);
      jobs.push(async () => {
        const result = await attempt(notifier, message, recipient, messageId, opts);
        records.push(record(opts, notifier.channel, recipient, message, result.ok, result.detail, messageId));
      });
    }
  }

  await runPool(jobs, opts.concurrency ?? 4, (job) => job());
  return records;
}

async function attempt(
  notifier: Notifier,
  message: OutgoingMessage,
  recipient: string,
  messageId: string,
  opts: DeliverOptions,
): Promise<{ ok: boolean; detail: string | null; channelDown: boolean }> {
  const sleep = opts.sleep ?? sleepFor;
  let last: DeliveryError | undefined;
  for (let i = 1; i <= opts.retry.attempts; i++) {
    if (opts.signal?.aborted) break;
    try {
      const { providerId } = await notifier.send(message, recipient, messageId, opts.signal);
      const parts = [
        message.note,
        i > 1 ? `delivered after ${i} attempts` : null,
        providerId ? `provider id ${providerId}` : null,
      ].filter(Boolean);
      return { ok: true, detail: parts.length ? parts.join('; ') : null, channelDown: false };
    } catch (err) {
      last =
        err instanceof DeliveryError
          ? err
          : new DeliveryError(redactText(errorMessage(err)), { transient: true, cause: err });
      opts.log.warn('notification attempt failed', {
        channel: notifier.channel,
        kind: message.kind,
        attempt: i,
        transient: last.transient,
        error: last.message,
      });
      if (!last.transient || i === opts.retry.attempts) break;
      await sleep(backoffDelay(i, { baseMs: opts.retry.baseDelayMs, factor: 3, jitter: 0.25 }));
    }
  }
  const tries = last?.transient ? `after ${opts.retry.attempts} attempts: ` : '';
  return {
    ok: false,
    detail: redactText(`${tries}${last?.message ?? 'aborted'}`),
    channelDown: last?.channelDown ?? false,
  };
}

function record(
  opts: DeliverOptions,
  channel: string,
  recipient: string,
  message: OutgoingMessage,
  ok: boolean,
  detail: string | null,
  messageId: string,
): NotificationRecord {
  return { channel, recipient, kind: message.kind, ok, detail, at: opts.now().toISOString(), messageId };
}

/**
 * Deliveries that failed and never succeeded later (by Message-ID) — what the admins must be told.
 */
export function outstandingFailures(records: readonly NotificationRecord[]): NotificationRecord[] {
  const delivered = new Set(records.filter((r) => r.ok && r.messageId).map((r) => r.messageId));
  const seen = new Set<string>();
  const out: NotificationRecord[] = [];
  for (const r of [...records].reverse()) {
    if (r.ok || (r.messageId && delivered.has(r.messageId))) continue;
    const key = `${r.messageId ?? ''}\0${r.channel}\0${r.recipient}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out.reverse();
}

/** The record of a notification step that failed before any delivery could be attempted. */
export function unexpectedFailureRecord(detail: string, at: Date): NotificationRecord {
  return {
    channel: 'notify',
    recipient: 'all',
    kind: 'admin',
    ok: false,
    detail: `notification failed: ${detail}`,
    at: at.toISOString(),
    messageId: null,
  };
}
