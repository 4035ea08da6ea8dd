import type { NotificationConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { IncidentNotFoundError } from '../incidents/index.js';
import type { NotificationRecord } from '../incidents/index.js';
import type { IncidentStore } from '../incidents/index.js';
import { getLogger, redactText, type Logger } from '../log/index.js';
import type { OpenStackSession } from '../openstack/index.js';
import { deliver, unexpectedFailureRecord, feedRecipient, outstandingFailures } from './delivery.js';
import {
  adminSummaryMessage,
  audienceSummary,
  failureReportMessage,
  notificationsFromRecords,
  projectMessage,
  type ComposeContext,
} from './messages.js';
import type { Notifier } from './notifier.js';
import { projectNames, resolveProjectAudiences, type ProjectAudience } from './recipients.js';
import { createNotifiers } from './registry.js';
import { buildReport } from './report.js';
import { RetryOptionsSchema, type RetryOptions } from './schemas.js';
import { templateRenderer } from './templates.js';
import { safeTimeZone } from './time.js';

export interface NotifyDeps {
  config: NotificationConfig;
  session: OpenStackSession | null;
  store: IncidentStore;
  log?: Logger;
  now?: () => Date;
  /** Operator templates; else `config.templatesDir` (once the schema has it), else FREEZER_DR_TEMPLATES_DIR. */
  templatesDir?: string;
  /** Retry policy per send. Defaults to 3 attempts from 300 ms. */
  retry?: Partial<RetryOptions>;
  /** Where secret references (`env:…`) are read. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Ready-made channels (tests, or a caller that already built them); else built from config.channels. */
  notifiers?: Notifier[];
  /** Why the store could not be written so far, if it could not (the admin summary then says so). */
  storeProblem?: () => string | null;
}

/**
 * Tell the affected projects' members and the admins how an incident ended, record every
 * delivery in the incident, and return the new records. Idempotent: what is already recorded
 * as delivered is not sent again. Never throws for a delivery failure; it throws only when the
 * incident does not exist.
 */
// eslint-disable-next-line max-lines-per-function -- the Notify step in order (recipients, project mails, admin summary, failure report) over one shared record list; each stage is a call
export async function notifyIncident(deps: NotifyDeps, incidentId: string): Promise<NotificationRecord[]> {
  const log = (deps.log ?? getLogger()).child({ incidentId, component: 'notify' });
  const now = deps.now ?? (() => new Date());
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) throw new IncidentNotFoundError(incidentId);
  const [instances, events] = await Promise.all([
    deps.store.listInstances(incidentId),
    deps.store.listEvents(incidentId),
  ]);

  const env = deps.env ?? process.env;
  const timeZone = safeTimeZone(deps.config.timeZone);
  const existing = incident.notifications;
  const done = new Set(existing.filter((r) => r.ok && r.messageId).map((r) => r.messageId!));
  const records: NotificationRecord[] = [];
  const ownNotifiers = !deps.notifiers;
  let notifiers: Notifier[] = deps.notifiers ?? [];

  try {
    if (ownNotifiers) notifiers = await createNotifiers(deps.config.channels, { log, env });
    if (notifiers.length === 0) {
      log.warn('no notification channel is configured: nobody is told about this incident');
      return [];
    }
    const ctx: ComposeContext = {
      renderer: templateRenderer({
        overrideDir: deps.templatesDir ?? deps.config.templatesDir ?? env.FREEZER_DR_TEMPLATES_DIR,
      }),
      timeZone,
      admins: deps.config.admins,
      contact: deps.config.supportContact ?? (deps.config.admins.length ? deps.config.admins.join(', ') : null),
      now: now(),
      log,
    };
    const retry = RetryOptionsSchema.parse(deps.retry ?? {});
    const opts = { done, retry, log, now, signal: deps.signal };
    const report = buildReport({ incident, instances, events }, { timeZone });

    // 1. One mail per affected project, to its members (or the admins when nobody is reachable).
    let audiences: ProjectAudience[] = [];
    let unnotified: string | null = null;
    const projectIds = [...new Set(instances.map((i) => i.projectId))].sort();
    if (projectIds.length > 0) {
      if (report.kind === 'dry-run') unnotified = 'Dry run: project members were not told.';
      else if (report.kind === 'fence-failed')
        unnotified = 'Project members were not told: the host is not confirmed off and nothing was evacuated.';
      else if (!deps.session)
        unnotified = `Project members were not told: no OpenStack session to look them up (${projectIds.length} project(s) affected).`;
      else if (!notifiers.some((n) => n.audience === 'person'))
        unnotified = 'Project members were not told: no email channel is configured.';
      else {
        audiences = await resolveProjectAudiences(deps.session, deps.config, projectIds, deps.signal);
        for (const a of audiences.filter((x) => x.recipients.length === 0 && x.adminsDropped === 0))
          log.error('project has no reachable member and there is no admin to fall back to', {
            projectId: a.projectId,
          });
        records.push(
          ...(await deliver(
            audiences.filter((a) => a.recipients.length > 0).map((a) => projectMessage(ctx, report, a)),
            notifiers,
            opts,
          )),
        );
      }
    }

    // The admin pages name projects as Keystone does (the ids stay beside the names).
    const names = new Map(audiences.map((a) => [a.projectId, a.projectName]));
    if (projectIds.length && !audiences.length && deps.session)
      for (const [id, name] of await projectNames(deps.session, projectIds, deps.signal)) names.set(id, name);
    const adminReport = buildReport({ incident, instances, events }, { timeZone, projectNames: names });

    // 2. The admin summary (or the fence-failed mail), naming every failure so far.
    const failures = outstandingFailures([...existing, ...records]);
    const view = notificationsFromRecords(
      [...existing, ...records],
      timeZone,
      { unnotified, projects: audiences.map(audienceSummary) },
      failures,
    );
    const summary = adminSummaryMessage(ctx, adminReport, view, deps.config.admins, deps.storeProblem?.() ?? null);
    const adminRecords = await deliver([summary], notifiers, opts);
    records.push(...adminRecords);

    // 3. A failed admin channel is reported through the channels that worked.
    const adminFailed = outstandingFailures(adminRecords);
    if (adminFailed.length) {
      const okPeople = adminRecords
        .filter((r) => r.ok && notifiers.some((n) => n.audience === 'person' && n.channel === r.channel))
        .map((r) => r.recipient);
      const okFeeds = notifiers.filter(
        (n) =>
          n.audience === 'feed' &&
          adminRecords.some((r) => r.ok && r.channel === n.channel && r.recipient === feedRecipient(n)),
      );
      if (okPeople.length || okFeeds.length) {
        const followUp = failureReportMessage(ctx, incident.id, incident.host, adminFailed, okPeople);
        records.push(
          ...(await deliver([{ ...followUp, toFeeds: okFeeds.length > 0 }], notifiers, { ...opts, feeds: okFeeds })),
        );
      } else {
        log.error('no notification channel could reach the admins', {
          failures: adminFailed.map((f) => `${f.channel}: ${f.detail}`),
        });
      }
    }
  } catch (err) {
    // A bug or an unexpected failure while composing: recorded and logged, never thrown (recovery is done).
    const detail = redactText(errorMessage(err));
    log.error('notification failed unexpectedly', { error: detail });
    records.push(unexpectedFailureRecord(detail, now()));
  } finally {
    if (ownNotifiers) await Promise.allSettled(notifiers.map(async (n) => n.close?.()));
  }

  try {
    const fresh = await deps.store.getIncident(incidentId);
    await deps.store.updateIncident(incidentId, { notifications: [...(fresh?.notifications ?? existing), ...records] });
  } catch (err) {
    log.error('could not record notification results in the store', { error: redactText(errorMessage(err)) });
  }
  const failed = records.filter((r) => !r.ok).length;
  log.info(`notifications: ${records.length - failed} delivered${failed ? `, ${failed} failed` : ''}`, {
    delivered: records.length - failed,
    failed,
  });
  return records;
}
