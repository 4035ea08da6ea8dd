import { errorMessage } from '../errors.js';
import type { NotificationRecord } from '../incidents/index.js';
import { getLogger, redactText } from '../log/index.js';
import { deliver, unexpectedFailureRecord, feedRecipient, outstandingFailures } from './delivery.js';
import { failureReportMessage, gateAlertMessage, type ComposeContext } from './messages.js';
import type { OutgoingMessage } from './schemas.js';
import type { NotifyDeps } from './notify-incident.js';
import type { Notifier } from './notifier.js';
import { createNotifiers } from './registry.js';
import { AdminAlertSchema, RetryOptionsSchema, type AdminAlert } from './schemas.js';
import { templateRenderer } from './templates.js';
import { safeTimeZone } from './time.js';

export type NotifyAdminsDeps = Pick<NotifyDeps, 'config'> & Partial<Omit<NotifyDeps, 'config'>>;

/**
 * An alert to the admins outside an incident: a gate that fired (observer, all-stale, storm,
 * paused), with its reason and what to do. Every admin address and every feed; a failed channel
 * is reported through the others. Never throws for a delivery failure. Nothing is stored:
 * the caller records what it needs from the returned records.
 */
// eslint-disable-next-line max-lines-per-function -- deliver, then report failed channels through the working ones: one sequence with shared records
export async function notifyAdmins(
  deps: NotifyAdminsDeps,
  alert: AdminAlert,
  /** The message kind: a gate alert unless the caller composes its own (e.g. the capacity alert). */
  compose: (ctx: ComposeContext, alert: AdminAlert) => OutgoingMessage = gateAlertMessage,
): Promise<NotificationRecord[]> {
  const log = (deps.log ?? getLogger()).child({ component: 'notify', gate: alert.gate });
  const now = deps.now ?? (() => new Date());
  const env = deps.env ?? process.env;
  const ownNotifiers = !deps.notifiers;
  let notifiers: Notifier[] = deps.notifiers ?? [];
  const records: NotificationRecord[] = [];
  try {
    const valid = AdminAlertSchema.parse(alert);
    if (ownNotifiers) notifiers = await createNotifiers(deps.config.channels, { log, env });
    if (notifiers.length === 0) {
      log.warn('no notification channel is configured: the alert is only logged', { subject: valid.subject });
      return [];
    }
    const ctx: ComposeContext = {
      renderer: templateRenderer({
        overrideDir: deps.templatesDir ?? deps.config.templatesDir ?? env.FREEZER_DR_TEMPLATES_DIR,
      }),
      timeZone: safeTimeZone(deps.config.timeZone),
      admins: deps.config.admins,
      contact: null,
      now: now(),
      log,
    };
    const opts = {
      done: new Set<string>(),
      retry: RetryOptionsSchema.parse(deps.retry ?? {}),
      log,
      now,
      signal: deps.signal,
    };
    const message = compose(ctx, valid);
    const sent = await deliver([message], notifiers, opts);
    records.push(...sent);
    const failed = outstandingFailures(sent);
    if (failed.length) {
      const okPeople = sent
        .filter((r) => r.ok && notifiers.some((n) => n.audience === 'person' && n.channel === r.channel))
        .map((r) => r.recipient);
      const okFeeds = notifiers.filter(
        (n) =>
          n.audience === 'feed' &&
          sent.some((r) => r.ok && r.channel === n.channel && r.recipient === feedRecipient(n)),
      );
      if (okPeople.length || okFeeds.length) {
        const followUp = failureReportMessage(ctx, message.scope, valid.host ?? null, failed, okPeople);
        records.push(
          ...(await deliver([{ ...followUp, toFeeds: okFeeds.length > 0 }], notifiers, { ...opts, feeds: okFeeds })),
        );
      } else {
        log.error('no notification channel could reach the admins', { subject: valid.subject });
      }
    }
  } catch (err) {
    const detail = redactText(errorMessage(err));
    log.error('alert notification failed unexpectedly', { error: detail });
    records.push(unexpectedFailureRecord(detail, now()));
  } finally {
    if (ownNotifiers) await Promise.allSettled(notifiers.map(async (n) => n.close?.()));
  }
  return records;
}
