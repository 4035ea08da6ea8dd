import type { Logger } from '../log/index.js';
import type { ChannelConfig, OutgoingMessage } from './schemas.js';

/**
 * One notification channel. A driver sends ONE message to ONE destination per call and never
 * retries or sleeps: `delivery.ts` owns retries, backoff, fail-over and the records, so every
 * channel behaves the same. Failures are thrown as `DeliveryError` (transient or not) with a
 * log-safe message (S6).
 */
export interface Notifier {
  /** Recorded as NotificationRecord.channel, e.g. "email:smtp", "webhook:slack", "sns". */
  readonly channel: string;
  /**
   * `person`: delivers to an address (email); project mails and admin mails go through it.
   * `feed`: one destination of its own (a chat room, a topic); only admin messages go there.
   */
  readonly audience: 'person' | 'feed';
  /** For feeds: the destination as recorded (never a secret: a webhook's host, a topic ARN). */
  readonly destination?: string;
  /**
   * Send `message` to `recipient` (an email address; ignored by feeds) with the given
   * deterministic Message-ID. Returns a provider reference (SES/SNS id) when there is one.
   */
  send(
    message: OutgoingMessage,
    recipient: string,
    messageId: string,
    signal?: AbortSignal,
  ): Promise<{ providerId?: string }>;
  /**
   * Check the channel can deliver, sending nothing (SMTP: connect, TLS and log in). Channels
   * without a harmless probe leave it out. Throws a DeliveryError with the reason.
   */
  verify?(signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface NotifierContext {
  log: Logger;
  env: NodeJS.ProcessEnv;
}

export type NotifierFactory<C extends ChannelConfig = ChannelConfig> = (
  config: C,
  ctx: NotifierContext,
) => Promise<Notifier>;
