import type { Readiness } from '../lib/workflow/index.js';
import type { Incident, TimelineEvent } from '../lib/incidents/index.js';
import type { InstanceRecord } from '../lib/evacuation/index.js';

/** A plain text table: columns padded to the widest cell, no colours (logs and pipes stay clean). */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function timelineLine(startMs: number, event: TimelineEvent): string {
  const t = ((new Date(event.at).getTime() - startMs) / 1000).toFixed(1).padStart(6);
  return `[+${t}s] ${event.step.padEnd(8)} ${event.message}`;
}

function seconds(from: string | null, to: string | null): string {
  if (!from || !to) return '-';
  return `${((new Date(to).getTime() - new Date(from).getTime()) / 1000).toFixed(1)} s`;
}

/** A fence with no record is not always a failed one: it may be running, or its record was lost. */
function fenceLine(incident: Incident): string {
  if (incident.fence) return `confirmed off at ${incident.fence.confirmedAt} via ${incident.fence.target}`;
  if (incident.error?.name === 'FenceNotRecordedError') return `not recorded: ${incident.error.message}`;
  if (incident.status === 'fencing')
    return 'not recorded yet (fencing in progress, or its record could not be written)';
  return 'NOT confirmed';
}

/** The incident summary: what happened to the host and to every instance. */
export function incidentSummary(incident: Incident, instances: InstanceRecord[]): string {
  const lines = [
    `Incident ${incident.id}`,
    `  host        ${incident.host}`,
    `  status      ${incident.status}`,
    `  reason      ${incident.reason}`,
    `  requested   ${incident.requestedBy} at ${incident.detectedAt}`,
    `  fence       ${fenceLine(incident)}`,
    `  isolation   ${incident.isolation ? `forced down + disabled ("${incident.isolation.disabledReason}")` : '-'}`,
    `  duration    ${seconds(incident.createdAt, incident.closedAt)}`,
  ];
  if (incident.error) lines.push(`  error       ${incident.error.name}: ${incident.error.message}`);
  if (instances.length) {
    lines.push(
      '',
      table(
        ['instance', 'id', 'project', 'old host', 'new host', 'outcome', 'time', 'detail'],
        instances.map((i) => [
          i.name,
          i.instanceId.slice(0, 8),
          i.projectId.slice(0, 8),
          i.sourceHost,
          i.targetHost,
          i.outcome,
          seconds(i.startedAt, i.finishedAt),
          i.reason,
        ]),
      ),
    );
  }
  if (incident.notifications.length) {
    const ok = incident.notifications.filter((n) => n.ok).length;
    lines.push('', `  notifications: ${ok} delivered, ${incident.notifications.length - ok} failed`);
    for (const n of incident.notifications)
      lines.push(
        `    ${n.ok ? 'ok    ' : 'FAILED'} ${n.kind.padEnd(7)} ${n.channel} → ${n.recipient}${n.detail ? ` (${n.detail})` : ''}`,
      );
  }
  return lines.join('\n');
}

/** The dry run's pre-check, one line per thing the recovery depends on. */
export function readinessReport(r: Readiness): string {
  const age = r.nova.heartbeatAgeSeconds === null ? 'no heartbeat' : `heartbeat ${r.nova.heartbeatAgeSeconds} s old`;
  const novaLine = `nova       ${r.nova.state}, ${r.nova.status}${r.nova.forcedDown ? ', forced down' : ''} (${age})${
    r.nova.alive ? ' — Nova sees it ALIVE: a real run asks you to type the host name (or --yes)' : ''
  }`;
  const fenceLine =
    r.fence.mode === 'confirmed-by-operator'
      ? `fence      you confirm it is off${r.fence.power ? `; its BMC reads ${r.fence.power}` : r.fence.problem ? ` (${r.fence.problem})` : ''}`
      : r.fence.problem
        ? `fence      NOT READY: ${r.fence.problem}`
        : `fence      ${r.fence.driver} ${r.fence.target}: reads power ${r.fence.power}`;
  const mv = r.microversion;
  const mvLine = `nova API   microversion policy ${mv.policy} needs ${mv.needs}; the cloud offers up to ${mv.cloudMax}${mv.ok ? '' : ' — NOT SUPPORTED'}`;
  const refused = r.fence.mode === 'confirmed-by-operator' && r.evidenceAlive.length > 0;
  return [
    novaLine,
    fenceLine,
    mvLine,
    ...(refused ? [`REFUSED    --confirm-fenced: ${r.evidenceAlive.join('; ')}`] : []),
  ].join('\n');
}
