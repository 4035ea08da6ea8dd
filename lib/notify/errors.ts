import { FreezerError } from '../errors.js';

/** Base of every notification failure. These are recorded and reported, never thrown to the workflow. */
export class NotifyError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

/**
 * One send failed. `transient` says whether trying again may help (connection refused, 4xx
 * SMTP reply, HTTP 5xx/429) or not (5xx SMTP reply, bad credentials, HTTP 4xx).
 * The message is log-safe: no credential, no webhook URL (S6).
 */
export class DeliveryError extends NotifyError {
  readonly transient: boolean;
  /** The channel itself is unreachable (not just this recipient): later recipients skip it. */
  readonly channelDown: boolean;
  constructor(message: string, options: ErrorOptions & { transient: boolean; channelDown?: boolean; hint?: string }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.transient = options.transient;
    this.channelDown = options.channelDown ?? false;
  }
}

/** A channel could not be set up (unresolvable secret, unreadable CA bundle, invalid config). */
export class ChannelSetupError extends NotifyError {
  constructor(
    readonly channel: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`notification channel ${channel} cannot be used: ${detail}`, options);
    this.name = 'ChannelSetupError';
  }
}

/** A template is missing or does not render. */
export class TemplateError extends NotifyError {
  constructor(
    readonly template: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`notification template ${template} failed: ${detail}`, {
      ...options,
      hint: 'check the templates directory, or remove the override to use the built-in template',
    });
    this.name = 'TemplateError';
  }
}
