import { createHash } from 'node:crypto';
import type { NotificationRecord } from '../incidents/index.js';
import { errorMessage } from '../errors.js';
import { getLogger, redact, redactText, type Logger } from '../log/index.js';
import { COLOURS, SUBJECT_PREFIX } from './constants.js';
import type { ProjectAudience } from './recipients.js';
import { buildReport, countOutcomes, type IncidentReportInput, type InstanceView, type ReportView } from './report.js';
import type { AdminAlert, Digest, OutgoingMessage } from './schemas.js';
import { formatInstant, safeTimeZone } from './time.js';
import type { TemplateRenderer } from './templates.js';

/** What every composer needs: the renderer, the zone, who the admins are, and the clock. */
export interface ComposeContext {
  renderer: TemplateRenderer;
  timeZone: string;
  admins: readonly string[];
  /** Shown to project members as the contact; defaults to the admins' addresses. */
  contact: string | null;
  now: Date;
  /** Where template fall-backs are reported. Defaults to the process logger. */
  log?: Logger;
}

/** The "Notifications" section of the admin pages. */
export interface NotificationsView {
  /** Why some project members were not told at all, when that happened. */
  unnotified: string | null;
  projects: Array<{ projectId: string; project: string; summary: string; fallback: boolean }>;
  failures: Array<{ channel: string; recipient: string; kind: string; detail: string; at: string }>;
  delivered: string | null;
}

// ---------- project mail -------------------------------------------------------------

// eslint-disable-next-line max-lines-per-function -- one mail assembled in reading order; splitting scatters its layout
export function projectMessage(ctx: ComposeContext, report: ReportView, audience: ProjectAudience): OutgoingMessage {
  const instances = report.instances.filter((i) => i.projectId === audience.projectId);
  const counts = countOutcomes(instances);
  const down = counts.total - counts.evacuated;
  const urgent = counts.failed + counts.timeout + counts.unfinished > 0;
  // A stopped instance is moved, not restarted: it stays stopped (issue 13).
  const moved = instances.some((i) => i.outcome === 'evacuated' && i.vmStateBefore === 'stopped');
  const verb = moved ? 'moved to' : 'restarted on';
  const headline =
    down === 0
      ? counts.total === 1
        ? `your instance was ${verb} another host`
        : `your ${counts.total} instances were ${verb} other hosts`
      : down === counts.total
        ? counts.total === 1
          ? 'your instance is not running'
          : `your ${counts.total} instances are not running`
        : `${down} of your ${counts.total} instances ${down === 1 ? 'is' : 'are'} not running`;
  const what = report.trigger === 'operator' ? 'taken out of service' : 'failed';
  const subject = `${SUBJECT_PREFIX} ${urgent ? 'ACTION NEEDED — ' : ''}Host ${report.host} ${what} — ${headline}`;
  const why = audience.fallback ? fallbackWhy(audience) : null;
  const data = {
    subject,
    report,
    project: {
      id: audience.projectId,
      name: audience.projectName,
      instances,
      counts,
      headline: headline.charAt(0).toUpperCase() + headline.slice(1),
    },
    audience: { fallback: audience.fallback, why },
    contact: ctx.contact,
    footer: footer(ctx, report.incidentId),
    banner: {
      colour: down === 0 ? COLOURS.ok : urgent ? COLOURS.critical : COLOURS.warning,
      kicker: `incident ${report.incidentId}`,
      title:
        down === 0
          ? moved
            ? 'Your instances were moved to other hosts'
            : 'Your instances are running again'
          : `Host ${report.host} ${what}`,
    },
  };
  const digest: Digest = {
    title: subject.replace(`${SUBJECT_PREFIX} `, ''),
    severity: down === 0 ? 'ok' : urgent ? 'critical' : 'warning',
    facts: [
      [
        'Project',
        audience.projectName === audience.projectId
          ? audience.projectId
          : `${audience.projectName} (${audience.projectId})`,
      ],
      ['Host', report.host],
      ['Instances', outcomeSummary(counts)],
    ],
    lines: instances.map(instanceLine),
  };
  return {
    kind: 'project',
    scope: report.incidentId,
    key: `project:${audience.projectId}`,
    recipients: audience.recipients,
    toFeeds: false,
    subject,
    ...render(ctx, 'project', data, digest),
    digest,
    data: {
      incidentId: report.incidentId,
      projectId: audience.projectId,
      host: report.host,
      instances: instances.map(instanceData),
    },
    note: audience.fallback
      ? `fallback to the admins: project ${audience.projectId} has no reachable member (${why})`
      : null,
  };
}

function fallbackWhy(a: ProjectAudience): string {
  if (a.lookupError) return `Keystone could not be asked: ${a.lookupError}`;
  const parts: string[] = [];
  parts.push(
    a.members === 0
      ? 'no member found through role assignments'
      : `${plural(a.members, 'member', 'members')} without an email address`,
  );
  if (a.filteredOut) parts.push(`${a.filteredOut} more without a notified role`);
  return parts.join(', ');
}

// ---------- admin summary / fence failed -----------------------------------------------

// eslint-disable-next-line max-lines-per-function -- one mail assembled in reading order; splitting scatters its layout
export function adminSummaryMessage(
  ctx: ComposeContext,
  report: ReportView,
  notifications: NotificationsView,
  admins: readonly string[],
  /** Why the incident store could not be written while this was composed (the mail is then the record). */
  storeProblem: string | null = null,
): OutgoingMessage {
  const c = report.counts;
  const evacuable = c.total - c.skipped;
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  const bad = c.failed + c.timeout + c.unfinished;
  let tail: string;
  switch (report.kind) {
    case 'resolved':
      tail = `${c.evacuated}/${evacuable} instances evacuated${skipped}`;
      break;
    case 'partial':
      tail = `${c.evacuated}/${evacuable} evacuated, ${bad} NOT recovered${skipped}`;
      break;
    case 'fence-failed':
      tail = 'NOT confirmed powered off, nothing was evacuated';
      break;
    case 'dry-run':
      tail = `would evacuate ${evacuable} instance${evacuable === 1 ? '' : 's'}${skipped}`;
      break;
    case 'timed-out':
      tail = report.error
        ? `recovery timed out: ${report.error.name} (${c.evacuated}/${evacuable} evacuated)`
        : `0/${evacuable} evacuated, ${bad} TIMED OUT${skipped}`;
      break;
    case 'failed':
      tail = report.error
        ? `recovery stopped: ${report.error.name} (${c.evacuated}/${evacuable} evacuated)`
        : `0/${evacuable} evacuated, ${bad} NOT recovered${skipped}`;
      break;
  }
  const subject = `${SUBJECT_PREFIX} ${report.kindLabel} ${report.host} — ${tail} (${report.incidentId})`;
  const template = report.kind === 'fence-failed' ? 'fence-failed' : 'admin-summary';
  const data = {
    subject,
    report,
    notifications,
    facts: [
      ...incidentFacts(report),
      ...(storeProblem
        ? [['Record', `The incident store could not be written (${storeProblem}): this message holds what it lacks`]]
        : []),
    ],
    footer: footer(ctx, report.incidentId),
    banner: {
      colour: report.colour,
      kicker: `incident ${report.incidentId}`,
      title: `${report.kindLabel} · ${report.host}`,
    },
  };
  const lines =
    report.kind === 'fence-failed'
      ? [
          `${report.host} was NOT confirmed powered off: nothing was evacuated.`,
          ...(report.error ? [`${report.error.name}: ${report.error.message}`] : []),
          report.fenceAdvice,
          `Or power the host off by hand and run: freezer-dr recover --host ${report.host} --confirm-fenced`,
        ]
      : report.instances
          .filter((i) => i.outcome !== 'evacuated')
          .slice(0, 15)
          .map(instanceLine);
  if (notifications.failures.length)
    lines.push(`${notifications.failures.length} notification(s) could not be delivered.`);
  if (storeProblem) lines.push(`The incident store could not be written (${storeProblem}).`);
  lines.push(`Details: freezer-dr incidents ${report.incidentId}`);
  const digest: Digest = {
    title: subject.replace(`${SUBJECT_PREFIX} `, '').replace(` (${report.incidentId})`, ''),
    severity: report.severity,
    facts: [
      ['Host', report.host],
      ['Outcome', report.kindLabel],
      ['Instances', report.kind === 'fence-failed' ? 'none evacuated' : outcomeSummary(c)],
      ['Detected', report.detectedAt],
      ['Fencing', report.fence ? report.fence.how : 'NOT confirmed'],
      ...report.durations.slice(-1).map((d) => [d.label, d.value] as [string, string]),
      ['Incident', report.incidentId],
    ],
    lines,
  };
  return {
    kind: 'admin',
    scope: report.incidentId,
    key: 'summary',
    recipients: [...admins],
    toFeeds: true,
    subject,
    ...render(ctx, template, data, digest),
    digest,
    data: {
      incident: {
        id: report.incidentId,
        host: report.host,
        status: report.status,
        outcome: report.kind,
        reason: report.reason,
        requestedBy: report.requestedBy,
        detectedAt: report.detectedAt,
        error: report.error,
      },
      counts: c,
      instances: report.instances.map(instanceData),
      notificationFailures: notifications.failures.length,
    },
    note: null,
  };
}

/** A short follow-up through the channels that worked, naming the ones that did not. */
export function failureReportMessage(
  ctx: ComposeContext,
  scope: string,
  host: string | null,
  failures: readonly NotificationRecord[],
  recipients: readonly string[],
): OutgoingMessage {
  const subject = `${SUBJECT_PREFIX} Notification failure${host ? ` for ${host}` : ''} (${scope})`;
  const lines = failures.map((f) => `${f.channel} to ${f.recipient} (${f.kind}): ${f.detail ?? 'failed'}`);
  const text = `Some notifications about ${scope} could not be delivered; this message goes through the channels that worked.\n\n${lines.map((l) => `- ${l}`).join('\n')}\n\nSee: freezer-dr incidents ${scope}\n`;
  const digest: Digest = {
    title: subject.replace(`${SUBJECT_PREFIX} `, ''),
    severity: 'warning',
    facts: [['Failed deliveries', String(failures.length)]],
    lines,
  };
  const key = `failures:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12)}`;
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#111827;"><p>Some notifications about <strong>${escapeHtml(scope)}</strong> could not be delivered; this message goes through the channels that worked.</p><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p style="font-family:Consolas,Menlo,monospace;">$ freezer-dr incidents ${escapeHtml(scope)}</p></body></html>`;
  return {
    kind: 'admin',
    scope,
    key,
    recipients: [...recipients],
    toFeeds: true,
    subject,
    text: redactText(text),
    html: redactText(html),
    digest: redact(digest),
    data: {
      scope,
      failures: failures.map((f) => ({ channel: f.channel, recipient: f.recipient, kind: f.kind, detail: f.detail })),
    },
    note: null,
  };
}

// ---------- gate alerts -----------------------------------------------------------------

const GATES: Record<string, { title: string; explanation: string; advice: string[] }> = {
  observer: {
    title: 'Observer gate: the cloud API or the second signal could not be read',
    explanation:
      "Nova, Keystone or the second signal (Prometheus, TCP probe) was unreachable, answered with errors, or answered nonsense. freezer-dr reads a broken path as its own problem, not as failed hosts, so it fences nothing — never on Nova's word alone.",
    advice: [
      'Check the VPN and the API endpoints from where freezer-dr runs (openstack compute service list).',
      'Check the second signal from there too (the Prometheus URL and query in monitor.secondSignal, or the probed ports).',
      'Check the credentials freezer-dr uses (an expired application credential looks like this).',
    ],
  },
  'all-stale': {
    title: 'All-stale gate: nearly every compute service looks down at once',
    explanation:
      'When (almost) all nova-compute services stop reporting at the same time, the control plane is the likely culprit (message queue, database, nova-conductor), not the hosts. Nothing is fenced.',
    advice: [
      'Check RabbitMQ, the database and nova-conductor.',
      'Look at openstack compute service list: which services really are down?',
    ],
  },
  storm: {
    title: 'Storm gate: too many hosts failed at once',
    explanation:
      'New failures, suspects and recoveries in flight or ended within the last monitor.gates.recentRecoveryWindowSeconds together exceed the limit (monitor.gates.maxFailedHosts / maxFailedPercent). Hosts recovered earlier and out for repair do not count. freezer-dr fences no new host.',
    advice: [
      'Find the common cause (power, network, storage) before recovering hosts one by one.',
      'Recover a host by hand with freezer-dr recover --host HOST once you know it is safe.',
    ],
  },
  'in-flight': {
    title: 'In-flight gate: the host already has an open incident',
    explanation: 'A host is never recovered twice at the same time.',
    advice: ['See the open incident with freezer-dr incidents.'],
  },
  partition: {
    title: 'Partition guard: many hosts went dark on the second signal at once',
    explanation:
      "More than monitor.cliffPercent of the enabled hosts stopped answering the second signal in the same pass. The watcher's own network path (VPN, monitoring network) is the likelier cause than that many hosts dying together, so nothing is fenced this pass.",
    advice: [
      'Check the path from freezer-dr to the hosts and to Prometheus.',
      'Compare with Nova: freezer-dr check shows both signals per host.',
    ],
  },
  aggregate: {
    title: 'Aggregate limit: hosts of one aggregate are held',
    explanation:
      'A host aggregate (or availability zone) has more hosts in trouble than its freezer-dr:max_failures metadata allows, or that value is not a whole number. Its hosts are not fenced; other aggregates keep recovering.',
    advice: [
      "Find what the aggregate's hosts share (rack, power, switch) before recovering them by hand.",
      'Fix or remove the metadata with openstack aggregate set/unset --property freezer-dr:max_failures.',
    ],
  },
  'no-second-signal': {
    title: 'No second signal configured: nothing is fenced',
    explanation:
      'monitor.confirmation is second-signal (the default) but monitor.secondSignal is not set, so no failure can be confirmed.',
    advice: [
      'Configure a prometheus or tcp-probe second signal (README: "Two signals").',
      "Or accept today's risk explicitly with monitor.confirmation: nova-only.",
    ],
  },
  'host-answers': {
    title: 'nova-compute is down but the host answers',
    explanation:
      "Nova reports the host's nova-compute down or stale, but the second signal says the host is alive. Its instances are probably running: freezer-dr never fences such a host.",
    advice: [
      'Check nova-compute on the host (systemctl status nova-compute, its log).',
      "Check RabbitMQ and the host's connection to it.",
    ],
  },
  unconfirmed: {
    title: 'nova-compute is down and the second signal has no reading for the host',
    explanation:
      'Nova reports the host down or stale, but the second signal says nothing about it (no series for it in the Prometheus answer, or its name does not resolve for the TCP probe). Without both signals agreeing, freezer-dr does not fence it.',
    advice: [
      'Check that the host is scraped by Prometheus under the expected label (monitor.secondSignal.hostLabel), or that its management address resolves.',
      'If the host is really dead, power it off and run freezer-dr recover --host HOST --confirm-fenced.',
    ],
  },
  'fence-failed': {
    title: 'A host that failed was never fenced',
    explanation:
      'Its fence was not confirmed, so nothing was evacuated (S1), and the host still looks dead. The monitor will not fence it again on its own (unless monitor.refence allows it).',
    advice: [
      'Read the BMC with freezer-dr fence status --host HOST; fix its address or credentials.',
      'Once it is powered off (by you or its BMC), run freezer-dr recover --host HOST --confirm-fenced.',
    ],
  },
  paused: {
    title: 'Recoveries are paused',
    explanation:
      'freezer-dr is in monitor-only mode: it detects and reports failures but fences and evacuates nothing.',
    advice: ['Resume recoveries when ready (monitor.paused in the config, or the pause switch in the store).'],
  },
};

export function gateAlertMessage(ctx: ComposeContext, alert: AdminAlert): OutgoingMessage {
  const gate = alert.gate ? GATES[alert.gate] : undefined;
  const at = formatInstant(ctx.now, ctx.timeZone);
  const facts: Array<[string, string]> = [['When', at]];
  if (alert.gate) facts.push(['Gate', alert.gate]);
  if (alert.host) facts.push(['Host', alert.host]);
  return alertMessage(ctx, alert, {
    subject: prefixed(alert.subject),
    at,
    facts,
    title: gate?.title ?? (alert.gate ? `Gate ${alert.gate}` : alert.subject),
    explanation: gate?.explanation ?? null,
    advice: gate?.advice ?? [],
    gate: alert.gate ?? null,
    kicker: alert.gate ? `gate ${alert.gate}` : 'alert',
    key: ['alert', `${alert.gate ?? ''}\n${alert.host ?? ''}\n${alert.subject}\n${alert.text}`],
    data: { gate: alert.gate ?? null },
  });
}

/** What one kind of admin alert puts into the shared gate-alert layout. */
export interface AlertLayout {
  subject: string;
  /** `ctx.now` as people read it. */
  at: string;
  facts: Array<[string, string]>;
  title: string;
  explanation: string | null;
  advice: string[];
  gate: string | null;
  kicker: string;
  /** The message key's prefix and what its hash covers (with `ctx.now`): one message per alert. */
  key: [prefix: string, seed: string];
  /** What the alert's `data` carries besides its host, text and time. */
  data: Record<string, unknown>;
}

/** An admin alert in the gate-alert layout (gates, the capacity check): digest, banner, render, key. */
export function alertMessage(ctx: ComposeContext, alert: AdminAlert, l: AlertLayout): OutgoingMessage {
  const view = {
    gateTitle: l.title,
    explanation: l.explanation,
    advice: l.advice,
    text: alert.text,
    host: alert.host ?? null,
    gate: l.gate,
  };
  const digest: Digest = {
    title: l.subject.replace(`${SUBJECT_PREFIX} `, ''),
    severity: 'warning',
    facts: l.facts,
    lines: alert.text
      .split('\n')
      .filter((line) => line.trim())
      .slice(0, 20),
  };
  const data = {
    subject: l.subject,
    alert: view,
    facts: l.facts,
    footer: `Sent by freezer-dr at ${l.at}. This is an automatic message.`,
    banner: { colour: COLOURS.warning, kicker: l.kicker, title: l.title },
  };
  const hash = createHash('sha256').update(`${l.key[1]}\n${ctx.now.toISOString()}`).digest('hex').slice(0, 16);
  return {
    kind: 'admin',
    scope: 'alert',
    key: `${l.key[0]}:${hash}`,
    recipients: [...ctx.admins],
    toFeeds: true,
    subject: redactText(l.subject),
    ...render(ctx, 'gate-alert', data, digest),
    digest: redact(digest),
    data: redact({ ...l.data, host: alert.host ?? null, text: alert.text, at: ctx.now.toISOString() }),
    note: null,
  };
}

// ---------- the incident page -------------------------------------------------------------

/** The admins' page for an incident, from the store's records (also `freezer-dr incidents ID --html`). */
export function incidentPageHtml(
  renderer: TemplateRenderer,
  input: IncidentReportInput,
  opts: { timeZone?: string; now?: Date } = {},
): string {
  const timeZone = safeTimeZone(opts.timeZone);
  const report = buildReport(input, { timeZone });
  const ctx: ComposeContext = { renderer, timeZone, admins: [], contact: null, now: opts.now ?? new Date() };
  return adminSummaryMessage(ctx, report, notificationsFromRecords(input.incident.notifications, timeZone), []).html;
}

/** The notifications section from recorded results only (no audience details). */
export function notificationsFromRecords(
  records: readonly NotificationRecord[],
  timeZone: string,
  extra: Partial<NotificationsView> = {},
  failures?: readonly NotificationRecord[],
): NotificationsView {
  const delivered = new Set(records.filter((r) => r.ok && r.messageId).map((r) => r.messageId));
  const okProject = records.filter((r) => r.ok && r.kind === 'project').length;
  const okAdmin = records.filter((r) => r.ok && r.kind === 'admin').length;
  const failed = failures ?? records.filter((r) => !r.ok && !(r.messageId && delivered.has(r.messageId)));
  return {
    unnotified: extra.unnotified ?? null,
    projects: extra.projects ?? [],
    failures: failed.map((f) => ({
      channel: f.channel,
      recipient: f.recipient,
      kind: f.kind,
      detail: f.detail ?? 'failed',
      at: formatInstant(f.at, timeZone),
    })),
    delivered: records.length
      ? `Delivered so far: ${okProject} project mail${okProject === 1 ? '' : 's'}, ${okAdmin} admin message${okAdmin === 1 ? '' : 's'}.`
      : null,
  };
}

export function audienceSummary(a: ProjectAudience): NotificationsView['projects'][number] {
  const project = a.projectName === a.projectId ? a.projectId : `${a.projectName} (${a.projectId})`;
  if (a.recipients.length === 0 && a.adminsDropped > 0)
    return {
      projectId: a.projectId,
      project,
      fallback: false,
      summary: `no project mail: its only reachable ${a.adminsDropped === 1 ? 'member is an admin' : 'members are admins'}, told by this summary (notification.adminsGetProjectMails)`,
    };
  if (a.fallback)
    return {
      projectId: a.projectId,
      project,
      fallback: true,
      summary: `no reachable member (${fallbackWhy(a)}) — sent to the admins instead`,
    };
  const parts = [`${plural(a.recipients.length, 'recipient', 'recipients')}`];
  const details: string[] = [];
  if (a.members) details.push(`${plural(a.members, 'member', 'members')} by role assignment`);
  if (a.extra.length) details.push(`${a.extra.length} configured`);
  if (a.withoutEmail) details.push(`${a.withoutEmail} without email skipped`);
  if (a.filteredOut) details.push(`${a.filteredOut} filtered out by role`);
  if (a.adminsDropped)
    details.push(`${a.adminsDropped} admin${a.adminsDropped === 1 ? '' : 's'} told by the summary instead`);
  return {
    projectId: a.projectId,
    project,
    fallback: false,
    summary: details.length ? `${parts[0]} (${details.join(', ')})` : parts[0]!,
  };
}

// ---------- helpers ---------------------------------------------------------------------

function incidentFacts(r: ReportView): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['Incident', r.incidentId],
    ['Host', r.host],
    ['Outcome', `${r.kindLabel} (status ${r.status})`],
    ['Why', r.reason],
    ['Requested by', r.requestedBy],
    ['Detected', r.detectedAt],
    ['Closed', r.closedAt],
    ['Fencing', r.fence ? `${r.fence.how}, at ${r.fence.confirmedAt}` : 'NOT confirmed'],
    [
      'Isolation',
      r.isolation
        ? `forced down ${r.isolation.forcedDownAt}, disabled ${r.isolation.disabledAt} ("${r.isolation.disabledReason}")`
        : 'not done',
    ],
  ];
  if (r.error) facts.push(['Error', `${r.error.name}: ${r.error.message}`]);
  return facts;
}

/** One subject prefix: a caller's own "freezer-dr: " or "[freezer-dr]" is not repeated. */
export function prefixed(subject: string): string {
  return `${SUBJECT_PREFIX} ${subject.replace(/^\s*(\[freezer-dr\]\s*)?(freezer-dr:?\s+)?/i, '')}`;
}

function footer(ctx: ComposeContext, incidentId: string): string {
  return `Sent by freezer-dr for incident ${incidentId} at ${formatInstant(ctx.now, ctx.timeZone)}. This is an automatic message.`;
}

function outcomeSummary(c: ReportView['counts']): string {
  const parts: string[] = [];
  if (c.evacuated) parts.push(`${c.evacuated} evacuated`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.timeout) parts.push(`${c.timeout} timed out`);
  if (c.unfinished) parts.push(`${c.unfinished} not finished`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return parts.join(', ') || 'none';
}

function instanceLine(i: InstanceView): string {
  return `${i.name} (${i.id}): ${i.outcomeLabel}${i.targetHost !== '—' ? ` → ${i.targetHost}` : ''}${i.reason ? ` — ${i.reason}` : ''}`;
}

function instanceData(i: InstanceView) {
  return {
    id: i.id,
    name: i.name,
    projectId: i.projectId,
    projectName: i.projectName,
    vmStateBefore: i.vmStateBefore,
    volumeBacked: i.volumeBacked,
    outcome: i.outcome,
    sourceHost: i.sourceHost,
    targetHost: i.targetHost === '—' ? null : i.targetHost,
    reason: i.reason,
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Text + HTML from the templates, through the S6 redactor. A template that cannot render
 * never costs the notification: the digest becomes a plain message.
 */
export function render(
  ctx: ComposeContext,
  name: string,
  data: object,
  digest: Digest,
): { text: string; html: string } {
  const log = ctx.log ?? getLogger();
  const warn = (m: string, f: Record<string, unknown>) => log.warn(m, f);
  try {
    return {
      text: redactText(ctx.renderer.text(`${name}.txt.eta`, data, warn)),
      html: redactText(ctx.renderer.html(`${name}.html.eta`, data, warn)),
    };
  } catch (err) {
    log.error('notification template failed; sending a plain message', {
      template: name,
      error: errorMessage(err).split('\n')[0],
    });
    const text = [digest.title, '', ...digest.facts.map(([k, v]) => `${k}: ${v}`), '', ...digest.lines].join('\n');
    return {
      text: redactText(text),
      html: redactText(
        `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre style="font-family:Consolas,Menlo,monospace;">${escapeHtml(text)}</pre></body></html>`,
      ),
    };
  }
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
