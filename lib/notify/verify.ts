import type { NotificationConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { redactText, type Logger } from '../log/index.js';
import { createNotifiers } from './registry.js';

export interface ChannelCheck {
  channel: string;
  ok: boolean;
  detail: string;
}

/** Probe every configured channel that can be probed without sending (the preflight's mail check). */
export async function verifyChannels(
  config: NotificationConfig,
  ctx: { log: Logger; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<ChannelCheck[]> {
  let notifiers;
  try {
    notifiers = await createNotifiers(config.channels, { log: ctx.log, env: ctx.env ?? process.env });
  } catch (err) {
    return [{ channel: 'notification', ok: false, detail: redactText(errorMessage(err)) }];
  }
  if (notifiers.length === 0) return [{ channel: 'notification', ok: false, detail: 'no channel is configured' }];
  try {
    return await Promise.all(
      notifiers.map(async (n): Promise<ChannelCheck> => {
        if (!n.verify) return { channel: n.channel, ok: true, detail: 'configured (no probe for this channel)' };
        try {
          await n.verify(ctx.signal);
          return { channel: n.channel, ok: true, detail: 'answers' };
        } catch (err) {
          return { channel: n.channel, ok: false, detail: redactText(errorMessage(err)) };
        }
      }),
    );
  } finally {
    await Promise.allSettled(notifiers.map(async (n) => n.close?.()));
  }
}
