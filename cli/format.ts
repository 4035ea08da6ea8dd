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

/** The incident summary: what happened to the host and to every instance. */
export function incidentSummary(incident: Incident, instances: InstanceRecord[]): string {
  const lines = [
    `Incident ${incident.id}`,
    `  host        ${incident.host}`,
    `  status      ${incident.status}`,
    `  reason      ${incident.reason}`,
    `  requested   ${incident.requestedBy} at ${incident.detectedAt}`,
    `  fence       ${incident.fence ? `confirmed off at ${incident.fence.confirmedAt} via ${incident.fence.target}` : 'NOT confirmed'}`,
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
