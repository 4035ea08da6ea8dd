import * as z from 'zod';
import { EmailNotifierSchema, SnsNotifierSchema, WebhookNotifierSchema } from '../config/index.js';

export { SnsNotifierSchema };
export type SnsNotifierConfig = z.infer<typeof SnsNotifierSchema>;

/** Every channel the registry knows, keyed by `driver`. */
export const ChannelConfigSchema = z.discriminatedUnion('driver', [
  EmailNotifierSchema,
  WebhookNotifierSchema,
  SnsNotifierSchema,
]);
export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

export const MessageKindSchema = z.enum(['project', 'admin']);
export type MessageKind = z.infer<typeof MessageKindSchema>;

/** What a chat / feed channel shows: a title, a severity, a few facts and lines (no HTML). */
export const DigestSchema = z.object({
  title: z.string(),
  severity: z.enum(['ok', 'warning', 'critical']),
  facts: z.array(z.tuple([z.string(), z.string()])),
  lines: z.array(z.string()),
});
export type Digest = z.infer<typeof DigestSchema>;

/**
 * One rendered message, addressed to people (`recipients`, one mail each) and, for admin
 * messages, to the admin feeds (webhook, SNS). `key` plus the recipient makes the Message-ID.
 */
export const OutgoingMessageSchema = z.object({
  kind: MessageKindSchema,
  /** Scope of the Message-ID: the incident id, or `alert` for alerts outside an incident. */
  scope: z.string(),
  /** What this message is within its scope: `summary`, `project:<id>`, `failures:<hash>`, ... */
  key: z.string(),
  recipients: z.array(z.string()),
  /** Also send to the admin feeds (webhook, SNS). */
  toFeeds: z.boolean(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  digest: DigestSchema,
  /** Machine-readable body for the generic JSON webhook and SNS attributes. */
  data: z.record(z.string(), z.unknown()),
  /** Why this recipient list (e.g. "fallback: project P has no reachable member"); recorded with each send. */
  note: z.string().nullable().default(null),
});
export type OutgoingMessage = z.infer<typeof OutgoingMessageSchema>;

/** A gate alert or any other admin alert outside an incident. */
export const AdminAlertSchema = z.object({
  subject: z.string().min(1),
  text: z.string(),
  /** observer | all-stale | storm | in-flight | paused | anything else. */
  gate: z.string().optional(),
  host: z.string().optional(),
});
export type AdminAlert = z.infer<typeof AdminAlertSchema>;

/** Bounded, short retries: a Notify Task must finish well inside its timeout. */
export const RetryOptionsSchema = z.object({
  /** Tries per recipient and channel, first one included. Defaults to 3. */
  attempts: z.number().int().min(1).max(6).default(3),
  /** First backoff in ms, multiplied by 3 per retry, with jitter. Defaults to 300. */
  baseDelayMs: z.number().int().min(0).max(10_000).default(300),
});
export type RetryOptions = z.infer<typeof RetryOptionsSchema>;
