import { errorMessage } from '../errors.js';
import { redactText } from '../log/index.js';
import { DeliveryError } from './errors.js';
import type { Notifier, NotifierFactory } from './notifier.js';
import type { SnsNotifierConfig } from './schemas.js';

/** SNS limits: Subject ≤ 100 printable ASCII characters, no line break; Message ≤ 256 KB. */
const SUBJECT_MAX = 100;
const MESSAGE_MAX_BYTES = 250_000;
/** Worth another try: throttling, server-side trouble, the network. Anything else (authorization, bad topic) is not. */
const TRANSIENT_NAME = /Throttl|Internal|Unavailable|Timeout|TimedOut|Network|ECONN|EPIPE|ENOTFOUND|EAI_AGAIN|socket/i;

/**
 * Publish admin messages (the text part) to an SNS topic, with message attributes for
 * subscription filter policies (kind, scope, severity).
 */
export const createSnsNotifier: NotifierFactory<SnsNotifierConfig> = async (config) => {
  const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
  const region = config.region ?? config.topicArn.split(':')[3];
  const client = new SNSClient({ region, maxAttempts: 2 });
  const fifo = config.topicArn.endsWith('.fifo');
  const notifier: Notifier = {
    channel: 'sns',
    audience: 'feed',
    destination: config.topicArn,
    async send(message, _recipient, messageId, signal) {
      try {
        const out = await client.send(
          new PublishCommand({
            TopicArn: config.topicArn,
            Subject: snsSubject(message.subject),
            Message: clipBytes(message.text, MESSAGE_MAX_BYTES),
            MessageAttributes: {
              kind: { DataType: 'String', StringValue: message.kind },
              scope: { DataType: 'String', StringValue: message.scope },
              severity: { DataType: 'String', StringValue: message.digest.severity },
              messageId: { DataType: 'String', StringValue: messageId },
            },
            ...(fifo
              ? {
                  MessageGroupId: message.scope,
                  MessageDeduplicationId: messageId.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 128),
                }
              : {}),
          }),
          { abortSignal: signal },
        );
        return out.MessageId ? { providerId: out.MessageId } : {};
      } catch (err) {
        const e = err as {
          name?: string;
          code?: string;
          $metadata?: { httpStatusCode?: number };
          $retryable?: unknown;
        };
        const status = e.$metadata?.httpStatusCode ?? 0;
        const transient =
          Boolean(e.$retryable) ||
          status >= 500 ||
          status === 429 ||
          TRANSIENT_NAME.test(`${e.name ?? ''} ${e.code ?? ''}`);
        throw new DeliveryError(redactText(`SNS ${e.name ?? 'error'}: ${errorMessage(err)}`).slice(0, 500), {
          transient,
          cause: err,
        });
      }
    },
    async close() {
      client.destroy();
    },
  };
  return notifier;
};

export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/[—–]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const s = ascii || 'freezer-dr notification';
  return s.length <= SUBJECT_MAX ? s : `${s.slice(0, SUBJECT_MAX - 3)}...`;
}

function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  return `${Buffer.from(text)
    .subarray(0, max - 20)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}\n[truncated]`;
}
