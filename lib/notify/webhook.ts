import type { WebhookNotifierConfig } from '../config/index.js';
import { registerSecret } from '../log/index.js';
import { TIMEOUTS } from './constants.js';
import { DeliveryError } from './errors.js';
import type { Notifier, NotifierFactory } from './notifier.js';
import { webhookPayload } from './webhook-payloads.js';

/**
 * A chat or automation webhook for the admins: generic JSON, Slack-compatible or Teams-compatible.
 * A webhook URL is a credential (Slack's path is the token): it is registered with the redactor
 * and only its host is ever recorded or logged (S6).
 */
export const createWebhookNotifier: NotifierFactory<WebhookNotifierConfig> = async (config) => {
  // Loaded when a webhook channel is built, not at every cold start.
  const { default: axios } = await import('axios');
  registerSecret(config.url);
  const url = new URL(config.url);
  const destination = `${url.host} (${config.format})`;
  const notifier: Notifier = {
    channel: `webhook:${config.format}`,
    audience: 'feed',
    destination,
    async send(message, _recipient, messageId, signal) {
      let status: number;
      try {
        const res = await axios.post(config.url, webhookPayload(config.format, message, messageId), {
          timeout: TIMEOUTS.webhookMs,
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'freezer-dr', 'Idempotency-Key': messageId },
          validateStatus: () => true,
          maxRedirects: 0,
          responseType: 'text',
          transformResponse: [(d: unknown) => d],
          signal,
        });
        status = res.status;
      } catch (err) {
        // Network-level: never echo axios' message, it carries the URL.
        const code = (err as { code?: string }).code ?? 'network error';
        throw new DeliveryError(`no answer from ${url.host} (${code})`, { transient: true });
      }
      if (status >= 200 && status < 300) return {};
      throw new DeliveryError(`HTTP ${status} from ${url.host}`, {
        transient: status === 408 || status === 429 || status >= 500,
      });
    },
  };
  return notifier;
};
