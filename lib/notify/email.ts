import { readFileSync } from 'node:fs';
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { EmailNotifierConfig } from '../config/index.js';
import { resolveSecret } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { redactText } from '../log/index.js';
import { HEADERS, TIMEOUTS } from './constants.js';
import { ChannelSetupError, DeliveryError } from './errors.js';
import type { Notifier, NotifierFactory } from './notifier.js';

/** Failures that will not go away by sending again a second later. */
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'ECONFIG', 'ETLS', 'EMAXRECIPIENTS']);
const TLS_FAILURE = /CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT|Hostname\/IP does not match|certificate/i;

/**
 * Email through nodemailer: SMTP (implicit TLS, required STARTTLS or — tests only — plain,
 * optional auth, private CA) or Amazon SES through the SESv2 client. One mail per recipient,
 * with the recipient as the only envelope recipient.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: transport setup, then the Notifier literal whose methods share the transporter
export const createEmailNotifier: NotifierFactory<EmailNotifierConfig> = async (config, ctx) => {
  const channel = `email:${config.transport.type}`;
  // Loaded when a mail channel is built, not when a Lambda that never mails starts (cold start).
  const { default: nodemailer } = await import('nodemailer');
  let transporter: Transporter;
  let ses: { ConfigurationSetName: string } | undefined;
  if (config.transport.type === 'smtp') {
    const t = config.transport;
    let pass: string | undefined;
    let ca: Buffer | undefined;
    try {
      pass = t.password ? await resolveSecret(t.password, ctx.env) : undefined;
      ca = t.caBundle ? readFileSync(t.caBundle) : undefined;
    } catch (err) {
      throw new ChannelSetupError(channel, redactText(errorMessage(err)), { cause: err });
    }
    if (t.security === 'none' && t.username)
      ctx.log.warn('SMTP credentials are sent without TLS (security: none); use tls or starttls outside tests', {
        channel,
        rule: 'S7',
      });
    transporter = nodemailer.createTransport({
      host: t.host,
      port: t.port,
      secure: t.security === 'tls',
      requireTLS: t.security === 'starttls',
      ignoreTLS: t.security === 'none',
      auth: t.username ? { user: t.username, pass } : undefined,
      tls: { ca, minVersion: 'TLSv1.2', rejectUnauthorized: true },
      connectionTimeout: TIMEOUTS.smtpConnectMs,
      greetingTimeout: TIMEOUTS.smtpGreetingMs,
      socketTimeout: TIMEOUTS.smtpSocketMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  } else {
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const sesClient = new SESv2Client({ region: config.transport.region, maxAttempts: 2 });
    transporter = nodemailer.createTransport({ SES: { sesClient, SendEmailCommand } });
    if (config.transport.configurationSet) ses = { ConfigurationSetName: config.transport.configurationSet };
  }

  const notifier: Notifier = {
    channel,
    audience: 'person',
    async send(message, recipient, messageId) {
      const mail: SendMailOptions & { ses?: unknown } = {
        from: config.from,
        to: recipient,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
        headers: {
          [HEADERS.autoSubmitted]: 'auto-generated',
          [HEADERS.incident]: message.scope,
          [HEADERS.kind]: message.kind,
        },
      };
      if (ses) mail.ses = ses;
      try {
        const info = (await transporter.sendMail(mail)) as {
          messageId?: string;
          response?: unknown;
          rejected?: unknown[];
        };
        if (Array.isArray(info.rejected) && info.rejected.length > 0)
          throw Object.assign(new Error('recipient rejected'), { code: 'EENVELOPE' });
        return config.transport.type === 'ses' && info.messageId ? { providerId: info.messageId } : {};
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
    async close() {
      transporter.close();
    },
  };
  // SES has no probe that sends nothing; SMTP answers EHLO, STARTTLS and AUTH.
  if (config.transport.type === 'smtp')
    notifier.verify = async () => {
      try {
        await transporter.verify();
      } catch (err) {
        throw toDeliveryError(err);
      }
    };
  return notifier;
};

function toDeliveryError(err: unknown): DeliveryError {
  const e = err as {
    code?: string;
    responseCode?: number;
    response?: string;
    permanent?: boolean;
    originalCode?: string;
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const parts: string[] = [];
  if (e.responseCode) parts.push(`SMTP ${e.response ?? e.responseCode}`);
  else parts.push(errorMessage(err));
  const code = e.originalCode ?? e.code;
  if (code && !parts[0]!.includes(code)) parts.push(`(${code})`);
  let transient: boolean;
  if (e.$metadata) {
    // SES through the AWS SDK: throttling and 5xx may pass, everything else will not.
    const status = e.$metadata.httpStatusCode ?? 0;
    transient =
      Boolean(e.$retryable) || status >= 500 || status === 429 || /Throttl|TooManyRequests/.test(e.name ?? '');
  } else if (e.responseCode) {
    transient = e.permanent === undefined ? e.responseCode < 500 || e.responseCode === 503 : !e.permanent;
  } else {
    // A certificate that does not verify will not verify a second later either (S7: never turned off here).
    transient = !PERMANENT_CODES.has(e.code ?? '') && !TLS_FAILURE.test(`${e.originalCode ?? ''} ${errorMessage(err)}`);
  }
  // No SMTP reply at all (refused, timed out, TLS or DNS failure): the server, not the recipient, is the problem.
  const channelDown = !e.responseCode && !e.$metadata && transient;
  return new DeliveryError(redactText(parts.join(' ')).slice(0, 500), { transient, channelDown, cause: err });
}
