import { errorMessage } from '../errors.js';
import { redactText } from '../log/index.js';
import { ChannelSetupError, DeliveryError } from './errors.js';
import type { Notifier, NotifierContext, NotifierFactory } from './notifier.js';
import { ChannelConfigSchema, type ChannelConfig } from './schemas.js';

/** Notifier drivers by config name, loaded only when a channel names them. One line per driver. */
const DRIVERS: {
  [D in ChannelConfig['driver']]: () => Promise<NotifierFactory<Extract<ChannelConfig, { driver: D }>>>;
} = {
  email: async () => (await import('./email.js')).createEmailNotifier,
  webhook: async () => (await import('./webhook.js')).createWebhookNotifier,
  sns: async () => (await import('./sns.js')).createSnsNotifier,
};

/**
 * Build every configured channel. A channel that cannot be built (unresolvable secret, bad CA
 * file, unknown driver) never stops the others: it becomes a notifier whose every send fails
 * with the setup error, so the failure lands in the records and the admin report.
 */
export async function createNotifiers(channels: readonly unknown[], ctx: NotifierContext): Promise<Notifier[]> {
  const out: Notifier[] = [];
  for (const [i, raw] of channels.entries()) {
    const parsed = ChannelConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const name = `channel[${i}]`;
      out.push(
        brokenNotifier(
          name,
          'feed',
          new ChannelSetupError(
            name,
            parsed.error.issues.map((x) => `${x.path.join('.') || 'driver'}: ${x.message}`).join('; '),
          ),
        ),
      );
      continue;
    }
    const config = parsed.data;
    try {
      out.push(await build(config, ctx));
    } catch (err) {
      const name =
        config.driver === 'email'
          ? `email:${config.transport.type}`
          : config.driver === 'webhook'
            ? `webhook:${config.format}`
            : 'sns';
      const setup =
        err instanceof ChannelSetupError
          ? err
          : new ChannelSetupError(name, redactText(errorMessage(err)), { cause: err });
      ctx.log.error('notification channel unavailable', { channel: name, error: setup.message });
      out.push(brokenNotifier(name, config.driver === 'email' ? 'person' : 'feed', setup));
    }
  }
  return out;
}

async function build(config: ChannelConfig, ctx: NotifierContext): Promise<Notifier> {
  switch (config.driver) {
    case 'email':
      return (await DRIVERS.email())(config, ctx);
    case 'webhook':
      return (await DRIVERS.webhook())(config, ctx);
    case 'sns':
      return (await DRIVERS.sns())(config, ctx);
  }
}

function brokenNotifier(channel: string, audience: Notifier['audience'], cause: ChannelSetupError): Notifier {
  return {
    channel,
    audience,
    destination: audience === 'feed' ? channel : undefined,
    async send() {
      throw new DeliveryError(cause.message, { transient: false, cause });
    },
  };
}
