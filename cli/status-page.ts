import type { Incident } from '../lib/incidents/index.js';
import type { PassReport } from './watch.js';

/** What the status page shows, gathered per request from the watcher and the store. */
export interface StatusView {
  now: string;
  startedAt: string;
  intervalSeconds: number;
  healthy: boolean;
  ready: boolean;
  passes: readonly PassReport[];
  open: readonly Incident[];
  recent: readonly Incident[];
}

/** Everything shown goes through here: host names, Nova's reasons and error texts are data, never markup. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const incidentPath = (id: string) => `/incidents/${encodeURIComponent(id)}`;

const VERDICT_COLOUR: Record<string, string> = {
  healthy: '#15803d',
  suspect: '#b45309',
  failed: '#b91c1c',
  fenced: '#7c3aed',
  'in-flight': '#1d4ed8',
  disabled: '#6b7280',
  excluded: '#6b7280',
};

const STATUS_COLOUR: Record<string, string> = {
  resolved: '#15803d',
  partial: '#b45309',
  'dry-run': '#6b7280',
};

const badge = (text: string, colour: string) =>
  `<span class="badge" style="background:${colour}">${escapeHtml(text)}</span>`;

function table(headers: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function incidentRows(list: readonly Incident[]): string[][] {
  return list.map((i) => [
    `<a href="${escapeHtml(incidentPath(i.id))}">${escapeHtml(i.id)}</a>`,
    escapeHtml(i.host),
    badge(
      i.status,
      STATUS_COLOUR[i.status] ??
        (['open', 'fencing', 'fenced', 'isolated', 'evacuating', 'notifying'].includes(i.status)
          ? '#1d4ed8'
          : '#b91c1c'),
    ),
    escapeHtml(i.createdAt),
    escapeHtml(i.closedAt ?? '—'),
    escapeHtml(i.reason),
  ]);
}

/**
 * The local watcher's read-only status page (`start --listen`, path `/`): hosts and their
 * verdicts, the gates firing, open and recent incidents (each a link to its incident page), the
 * last passes. Plain HTML with inline styles and a meta refresh: no script, no framework.
 */
// eslint-disable-next-line max-lines-per-function -- one HTML page, written top to bottom so every value is visibly escaped where it is placed
export function renderStatusPage(v: StatusView): string {
  const last = v.passes.at(-1);
  const decision = [...v.passes].reverse().find((p) => p.decision)?.decision;
  const gates = last?.decision?.gates ?? [];
  const hosts = decision?.hosts ?? [];
  const sections = [
    `<h2>Gates firing</h2>${
      gates.length
        ? `<ul class="gates">${gates.map((g) => `<li><strong>${escapeHtml(g.gate)}</strong>: ${escapeHtml(g.reason)}</li>`).join('')}</ul>`
        : last?.ok === false
          ? `<p class="bad">The last pass failed: ${escapeHtml(last.error)}</p>`
          : '<p class="empty">No gate is firing.</p>'
    }`,
    `<h2>Hosts${decision ? ` <small>as of ${escapeHtml(decision.at)}</small>` : ''}</h2>${table(
      ['host', 'verdict', 'state', 'status', 'forced down', 'heartbeat age', 'why'],
      hosts.map((h) => [
        `<span class="host">${escapeHtml(h.host)}</span>`,
        badge(h.verdict, VERDICT_COLOUR[h.verdict] ?? '#6b7280'),
        escapeHtml(h.state),
        escapeHtml(h.status),
        h.forcedDown ? 'yes' : 'no',
        h.heartbeatAgeSeconds === null ? '—' : `${escapeHtml(h.heartbeatAgeSeconds.toFixed(1))} s`,
        escapeHtml(h.reason),
      ]),
      'No pass has seen the hosts yet.',
    )}`,
    `<h2>Open incidents</h2>${table(['incident', 'host', 'status', 'created', 'closed', 'reason'], incidentRows(v.open), 'None.')}`,
    `<h2>Recent incidents</h2>${table(['incident', 'host', 'status', 'created', 'closed', 'reason'], incidentRows(v.recent), 'None yet.')}`,
    `<h2>Last passes</h2>${table(
      ['finished', 'result', 'gates', 'hosts'],
      [...v.passes]
        .reverse()
        .map((p) => [
          escapeHtml(p.at),
          p.ok
            ? p.decision?.gates.some((g) => g.gate === 'observer')
              ? badge('blind', '#b91c1c')
              : badge('ok', '#15803d')
            : badge('failed', '#b91c1c'),
          escapeHtml(p.ok ? p.decision?.gates.map((g) => g.gate).join(', ') || '—' : (p.error ?? '')),
          escapeHtml(p.decision ? String(p.decision.hosts.length) : '—'),
        ]),
      'No pass yet.',
    )}`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${Math.max(5, Math.round(v.intervalSeconds))}">
<title>freezer-dr status</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#111827;background:#f9fafb}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}small{color:#6b7280;font-weight:normal}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
.empty{color:#6b7280}.bad{color:#b91c1c}.gates li{margin:2px 0}.host{font-family:ui-monospace,Menlo,Consolas,monospace}
</style></head>
<body>
<h1>freezer-dr ${badge(v.ready ? 'ready' : 'not ready', v.ready ? '#15803d' : '#b91c1c')} ${badge(v.healthy ? 'healthy' : 'unhealthy', v.healthy ? '#15803d' : '#b91c1c')}</h1>
<p><small>watching since ${escapeHtml(v.startedAt)} · a pass every ${escapeHtml(v.intervalSeconds)} s · page generated ${escapeHtml(v.now)} · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></small></p>
${sections.join('\n')}
</body></html>
`;
}
