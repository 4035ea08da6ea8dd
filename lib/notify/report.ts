import type { Incident, TimelineEvent } from '../incidents/index.js';
import type { InstanceOutcome, InstanceRecord } from '../evacuation/index.js';
import { CHART_MAX_INSTANCE_ROWS, COLOURS } from './constants.js';
import { headroomView, type HeadroomView } from './headroom.js';
import { between, formatClock, formatDuration, formatInstant, formatShortDuration, safeTimeZone } from './time.js';

/** What the notification step and `freezer-dr incidents ID --html` start from. */
export interface IncidentReportInput {
  incident: Incident;
  instances: InstanceRecord[];
  events: TimelineEvent[];
}

export type ReportKind = 'resolved' | 'partial' | 'timed-out' | 'fence-failed' | 'failed' | 'dry-run';

export interface InstanceView {
  id: string;
  name: string;
  projectId: string;
  outcome: InstanceOutcome;
  outcomeLabel: string;
  colour: string;
  sourceHost: string;
  targetHost: string;
  reason: string | null;
  started: string;
  finished: string;
  duration: string;
}

export interface ChartRow {
  label: string;
  /** Instance rows are indented under "evacuate". */
  indent: boolean;
  colour: string;
  /** Integer percentages of the time axis; offset + width + rest = 100. */
  offsetPct: number;
  widthPct: number;
  restPct: number;
  /** "4.2 s", or the note of a row without a bar ("skipped: stopped"). */
  duration: string;
  /** Clock time the bar starts, for the tooltip-less text version. */
  start: string;
  hasBar: boolean;
  /** The same bar in 40 characters, for the text part. */
  ascii: string;
}

export interface ChartView {
  rows: ChartRow[];
  /** Axis labels at 0 / 25 / 50 / 75 / 100 %. */
  ticks: string[];
  startedAt: string;
  span: string;
  hiddenInstances: number;
  legend: Array<{ label: string; colour: string }>;
}

export interface TimelineItem {
  time: string;
  at: string;
  step: TimelineEvent['step'];
  colour: string;
  message: string;
  instance: string | null;
}

export interface ReportView {
  kind: ReportKind;
  kindLabel: string;
  severity: 'ok' | 'warning' | 'critical';
  colour: string;
  incidentId: string;
  host: string;
  status: string;
  reason: string;
  requestedBy: string;
  dryRun: boolean;
  timeZone: string;
  detectedAt: string;
  closedAt: string;
  fence: { method: string; target: string; confirmedAt: string; how: string } | null;
  isolation: { forcedDownAt: string; disabledAt: string; disabledReason: string } | null;
  error: { name: string; message: string } | null;
  durations: Array<{ label: string; value: string }>;
  counts: { total: number; evacuated: number; failed: number; timeout: number; skipped: number; unfinished: number };
  instances: InstanceView[];
  gates: TimelineItem[];
  timeline: TimelineItem[];
  chart: ChartView;
  commands: string[];
  /** Room left in the cloud when the incident closed (lib/notify/headroom.ts). */
  headroom: HeadroomView | null;
}

const OUTCOME_LABEL: Record<InstanceOutcome, string> = {
  evacuated: 'evacuated',
  failed: 'FAILED',
  timeout: 'TIMED OUT',
  skipped: 'skipped',
  pending: 'not started',
  evacuating: 'still evacuating',
};

const KIND_LABEL: Record<ReportKind, string> = {
  resolved: 'RESOLVED',
  partial: 'PARTIAL',
  'timed-out': 'TIMED OUT',
  'fence-failed': 'FENCE FAILED',
  failed: 'FAILED',
  'dry-run': 'DRY RUN',
};

const STEP_ORDER: ReadonlyArray<TimelineEvent['step']> = [
  'detect',
  'gate',
  'fence',
  'isolate',
  'plan',
  'evacuate',
  'notify',
];

/** The incident's outcome as the messages tell it. Terminal statuses win; otherwise read the instances. */
export function reportKind(incident: Incident, instances: readonly InstanceRecord[]): ReportKind {
  switch (incident.status) {
    case 'resolved':
    case 'partial':
    case 'timed-out':
    case 'fence-failed':
    case 'failed':
    case 'dry-run':
      return incident.status;
    case 'open':
    case 'fencing':
    case 'fenced':
    case 'isolated':
    case 'evacuating':
    case 'notifying':
      // Still running: the instances tell how it stands so far.
      break;
  }
  if (incident.dryRun) return 'dry-run';
  if (!incident.fence && incident.error) return 'fence-failed';
  if (incident.error) return 'failed';
  return instances.some(
    (i) => i.outcome === 'failed' || i.outcome === 'timeout' || i.outcome === 'pending' || i.outcome === 'evacuating',
  )
    ? 'partial'
    : 'resolved';
}

export function instanceView(r: InstanceRecord, zone: string): InstanceView {
  return {
    id: r.instanceId,
    name: r.name || r.instanceId,
    projectId: r.projectId,
    outcome: r.outcome,
    outcomeLabel: OUTCOME_LABEL[r.outcome],
    colour: COLOURS[r.outcome],
    sourceHost: r.sourceHost,
    targetHost: r.targetHost ?? '—',
    reason: r.reason,
    started: formatInstant(r.startedAt, zone),
    finished: formatInstant(r.finishedAt, zone),
    duration: formatDuration(between(r.startedAt, r.finishedAt)),
  };
}

export function countOutcomes(instances: readonly { outcome: InstanceOutcome }[]): ReportView['counts'] {
  const c = { total: instances.length, evacuated: 0, failed: 0, timeout: 0, skipped: 0, unfinished: 0 };
  for (const i of instances) {
    if (i.outcome === 'evacuated') c.evacuated++;
    else if (i.outcome === 'failed') c.failed++;
    else if (i.outcome === 'timeout') c.timeout++;
    else if (i.outcome === 'skipped') c.skipped++;
    else c.unfinished++;
  }
  return c;
}

/** Everything the templates show about an incident, computed once, already formatted. */
// eslint-disable-next-line max-lines-per-function -- the report view assembled field by field from one incident; splitting only moves the fields elsewhere
export function buildReport(input: IncidentReportInput, opts: { timeZone?: string } = {}): ReportView {
  const zone = safeTimeZone(opts.timeZone);
  const { incident } = input;
  const instances = [...input.instances].sort(byOutcomeThenName);
  const events = [...input.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const kind = reportKind(incident, instances);
  const severity = kind === 'resolved' ? 'ok' : kind === 'partial' || kind === 'dry-run' ? 'warning' : 'critical';
  const names = new Map(instances.map((i) => [i.instanceId, i.name || i.instanceId]));

  const timeline: TimelineItem[] = events.map((e) => ({
    time: formatClock(e.at, zone),
    at: formatInstant(e.at, zone),
    step: e.step,
    colour: COLOURS[e.step],
    message: e.message,
    instance: e.instanceId ? (names.get(e.instanceId) ?? e.instanceId) : null,
  }));

  const evacStarts = instances
    .map((i) => i.startedAt)
    .filter(isSet)
    .sort();
  const evacEnds = instances
    .map((i) => i.finishedAt)
    .filter(isSet)
    .sort();
  const recoveredEnds = instances
    .filter((i) => i.outcome === 'evacuated')
    .map((i) => i.finishedAt)
    .filter(isSet)
    .sort();
  const lastEvent = events.at(-1)?.at ?? null;
  const durations: ReportView['durations'] = [];
  const push = (label: string, ms: number | null) => {
    if (ms !== null) durations.push({ label, value: formatDuration(ms) });
  };
  push('Detected → power-off confirmed', between(incident.detectedAt, incident.fence?.confirmedAt));
  push('Power-off confirmed → host isolated', between(incident.fence?.confirmedAt, incident.isolation?.disabledAt));
  push('Evacuations (first start → last end)', between(evacStarts[0], evacEnds.at(-1)));
  push('Detected → last instance recovered', between(incident.detectedAt, recoveredEnds.at(-1)));
  push('Whole incident', between(incident.detectedAt, incident.closedAt ?? lastEvent));

  const fence = incident.fence
    ? {
        method: incident.fence.method,
        target: incident.fence.target,
        confirmedAt: formatInstant(incident.fence.confirmedAt, zone),
        how:
          incident.fence.method === 'operator'
            ? 'confirmed powered off by an operator (no BMC used)'
            : incident.fence.alreadyOff
              ? `already off when read through ${incident.fence.method} (${incident.fence.target})`
              : `powered off through ${incident.fence.method} (${incident.fence.target}), confirmed after ${incident.fence.attempts} power-state read${incident.fence.attempts === 1 ? '' : 's'}`,
      }
    : null;

  return {
    kind,
    kindLabel: KIND_LABEL[kind],
    severity,
    colour: COLOURS[severity],
    incidentId: incident.id,
    host: incident.host,
    status: incident.status,
    reason: incident.reason,
    requestedBy: incident.requestedBy,
    dryRun: incident.dryRun,
    timeZone: zone,
    detectedAt: formatInstant(incident.detectedAt, zone),
    closedAt: formatInstant(incident.closedAt, zone),
    fence,
    isolation: incident.isolation
      ? {
          forcedDownAt: formatInstant(incident.isolation.forcedDownAt, zone),
          disabledAt: formatInstant(incident.isolation.disabledAt, zone),
          disabledReason: incident.isolation.disabledReason,
        }
      : null,
    error: incident.error,
    durations,
    counts: countOutcomes(instances),
    instances: instances.map((i) => instanceView(i, zone)),
    gates: timeline.filter((t) => t.step === 'gate'),
    timeline,
    chart: buildChart(incident, instances, events, zone),
    commands: commandsFor(kind, incident, instances),
    headroom: headroomView(incident),
  };
}

function commandsFor(kind: ReportKind, incident: Incident, instances: readonly InstanceRecord[]): string[] {
  const cmds = [
    `freezer-dr incidents ${incident.id}`,
    `freezer-dr incidents ${incident.id} --html > ${incident.id}.html`,
  ];
  if (kind === 'fence-failed') {
    cmds.push(`freezer-dr recover --host ${incident.host} --confirm-fenced`);
    return cmds;
  }
  cmds.push(`openstack compute service list --service nova-compute --host ${incident.host}`);
  for (const i of instances
    .filter((x) => x.outcome === 'failed' || x.outcome === 'timeout' || x.outcome === 'evacuating')
    .slice(0, 5)) {
    cmds.push(`openstack server show ${i.instanceId}`, `openstack server event list ${i.instanceId}`);
  }
  return cmds;
}

// eslint-disable-next-line max-lines-per-function -- the timeline chart: spans per phase and per instance, computed in one pass over the events
function buildChart(
  incident: Incident,
  instances: readonly InstanceRecord[],
  events: readonly TimelineEvent[],
  zone: string,
): ChartView {
  type Span = { label: string; indent: boolean; colour: string; start: number; end: number; note?: string };
  const t = (s: string | null | undefined) => (s ? Date.parse(s) : Number.NaN);
  const spans: Span[] = [];
  const byStep = new Map<TimelineEvent['step'], number[]>();
  for (const e of events) {
    const at = t(e.at);
    if (Number.isNaN(at)) continue;
    byStep.set(e.step, [...(byStep.get(e.step) ?? []), at]);
  }
  const range = (xs: number[]) => (xs.length ? { start: Math.min(...xs), end: Math.max(...xs) } : null);
  const evacTimes = instances.flatMap((i) => [t(i.startedAt), t(i.finishedAt)]).filter((x) => !Number.isNaN(x));

  for (const step of STEP_ORDER) {
    const times = [...(byStep.get(step) ?? [])];
    if (step === 'detect') times.push(t(incident.detectedAt), t(incident.createdAt));
    if (step === 'fence' && incident.fence) times.push(t(incident.fence.confirmedAt));
    if (step === 'isolate' && incident.isolation)
      times.push(t(incident.isolation.forcedDownAt), t(incident.isolation.disabledAt));
    if (step === 'plan' && incident.plan) times.push(t(incident.plan.plannedAt));
    if (step === 'evacuate') times.push(...evacTimes);
    const r = range(times.filter((x) => !Number.isNaN(x)));
    if (!r) continue;
    spans.push({ label: step, indent: false, colour: COLOURS[step], ...r });
    if (step === 'evacuate') {
      const byStart = [...instances].sort(
        (a, b) =>
          (t(a.startedAt) || Infinity) - (t(b.startedAt) || Infinity) ||
          a.name.localeCompare(b.name, 'en', { numeric: true }),
      );
      for (const i of byStart.slice(0, CHART_MAX_INSTANCE_ROWS)) {
        const s = t(i.startedAt);
        const e = t(i.finishedAt);
        const name = i.name || i.instanceId;
        if (Number.isNaN(s)) {
          spans.push({
            label: name,
            indent: true,
            colour: COLOURS[i.outcome],
            start: r.start,
            end: r.start,
            note: `${OUTCOME_LABEL[i.outcome]}${i.reason ? `: ${i.reason}` : ''}`,
          });
        } else {
          spans.push({
            label: name,
            indent: true,
            colour: COLOURS[i.outcome],
            start: s,
            end: Number.isNaN(e) ? r.end : e,
          });
        }
      }
    }
  }

  const all = spans.flatMap((s) => (s.note ? [] : [s.start, s.end]));
  const t0 = all.length ? Math.min(...all) : Date.parse(incident.detectedAt);
  const t1 = all.length ? Math.max(...all) : t0;
  const span = Math.max(t1 - t0, 1000);

  const rows: ChartRow[] = spans.map((s) => {
    if (s.note) {
      return {
        label: s.label,
        indent: s.indent,
        colour: s.colour,
        offsetPct: 0,
        widthPct: 0,
        restPct: 100,
        duration: s.note,
        start: '',
        hasBar: false,
        ascii: '',
      };
    }
    let offsetPct = Math.min(99, Math.max(0, Math.floor(((s.start - t0) / span) * 100)));
    let widthPct = Math.max(1, Math.round(((s.end - s.start) / span) * 100));
    if (offsetPct + widthPct > 100) widthPct = 100 - offsetPct;
    if (widthPct < 1) {
      widthPct = 1;
      offsetPct = 99;
    }
    const restPct = 100 - offsetPct - widthPct;
    return {
      label: s.label,
      indent: s.indent,
      colour: s.colour,
      offsetPct,
      widthPct,
      restPct,
      duration: s.end > s.start ? formatDuration(s.end - s.start) : 'instant',
      start: formatClock(new Date(s.start), zone),
      hasBar: true,
      ascii: asciiBar(offsetPct, widthPct, 40),
    };
  });

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    f === 0 ? formatClock(new Date(t0), zone) : `+${formatShortDuration(span * f)}`,
  );
  const usedOutcomes = new Set(instances.map((i) => i.outcome));
  const legend = [
    ...STEP_ORDER.filter((s) => spans.some((x) => !x.indent && x.label === s)).map((s) => ({
      label: s,
      colour: COLOURS[s],
    })),
    ...(['evacuated', 'failed', 'timeout', 'skipped', 'evacuating', 'pending'] as const)
      .filter((o) => usedOutcomes.has(o))
      .map((o) => ({ label: `instance ${OUTCOME_LABEL[o]}`, colour: COLOURS[o] })),
  ];
  return {
    rows,
    ticks,
    startedAt: formatInstant(new Date(t0), zone),
    span: formatDuration(span),
    hiddenInstances: Math.max(0, instances.length - CHART_MAX_INSTANCE_ROWS),
    legend,
  };
}

function asciiBar(offsetPct: number, widthPct: number, cols: number): string {
  const start = Math.min(cols - 1, Math.floor((offsetPct / 100) * cols));
  const len = Math.max(1, Math.min(cols - start, Math.round((widthPct / 100) * cols)));
  return `${' '.repeat(start)}${'#'.repeat(len)}${' '.repeat(cols - start - len)}`;
}

const OUTCOME_RANK: Record<InstanceOutcome, number> = {
  failed: 0,
  timeout: 1,
  evacuating: 2,
  pending: 3,
  evacuated: 4,
  skipped: 5,
};
function byOutcomeThenName(a: InstanceRecord, b: InstanceRecord): number {
  return (
    OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome] ||
    a.name.localeCompare(b.name, 'en', { numeric: true }) ||
    a.instanceId.localeCompare(b.instanceId)
  );
}

function isSet(x: string | null): x is string {
  return x !== null;
}
