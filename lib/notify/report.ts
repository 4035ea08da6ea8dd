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
  /** The project's name when Keystone gave it, else its id. */
  projectName: string;
  /** "name (id)", or the id alone when the name is not known. */
  project: string;
  outcome: InstanceOutcome;
  outcomeLabel: string;
  /** vm_state when the plan was made (stopped stays stopped after an evacuation). */
  vmStateBefore: string | null;
  /** Booted from a volume: its disk was kept. Null when the plan did not say. */
  volumeBacked: boolean | null;
  /** What this outcome means for the instance, in one or two sentences for its owner. */
  meaning: string;
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
  /** Who started the recovery: the monitor (a failure) or an operator (`recover`). */
  trigger: 'monitor' | 'operator';
  /** What happened to the host, after "Host X ": "failed", or "was taken out of service at the request of …". */
  hostEvent: string;
  /** For a fence that was not confirmed: what to check, from the error's real cause. */
  fenceAdvice: string;
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
  /** The runs that handled the incident: more than one when it was interrupted and resumed. */
  runs: number;
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
  const bad = instances.some(
    (i) => i.outcome === 'failed' || i.outcome === 'timeout' || i.outcome === 'pending' || i.outcome === 'evacuating',
  );
  if (!bad) return 'resolved';
  // Nothing evacuated is not "partial" (the same rule as the closed incident's outcome).
  return instances.some((i) => i.outcome === 'evacuated') ? 'partial' : 'failed';
}

export function instanceView(
  r: InstanceRecord,
  zone: string,
  extra: { projectName?: string; planned?: { vmState: string; volumeBacked: boolean } } = {},
): InstanceView {
  const projectName = extra.projectName ?? r.projectId;
  const vmStateBefore = extra.planned?.vmState ?? null;
  const volumeBacked = extra.planned ? extra.planned.volumeBacked : null;
  return {
    id: r.instanceId,
    name: r.name || r.instanceId,
    projectId: r.projectId,
    projectName,
    project: projectName === r.projectId ? r.projectId : `${projectName} (${r.projectId})`,
    outcome: r.outcome,
    outcomeLabel: outcomeLabel(r.outcome, vmStateBefore),
    vmStateBefore,
    volumeBacked,
    meaning: instanceMeaning(r, vmStateBefore, volumeBacked),
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
export function buildReport(
  input: IncidentReportInput,
  opts: { timeZone?: string; projectNames?: ReadonlyMap<string, string> } = {},
): ReportView {
  const zone = safeTimeZone(opts.timeZone);
  const planned = new Map((input.incident.plan?.items ?? []).map((p) => [p.id, p]));
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

  // Phases come from the recorded events (and the records' own times), never from one run's
  // clock: an evacuation sent before a crash counts from its request, not from the resume.
  const evacuateAt = events.filter((e) => e.step === 'evacuate').map((e) => e.at);
  const evacStarts = [...instances.map((i) => i.startedAt).filter(isSet), ...evacuateAt.slice(0, 1)].sort(byTime);
  const evacEnds = [...instances.map((i) => i.finishedAt).filter(isSet), ...evacuateAt.slice(-1)].sort(byTime);
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
  push('Evacuations (first request → last end)', between(evacStarts[0], evacEnds.at(-1)));
  push('Detected → last instance recovered', between(incident.detectedAt, recoveredEnds.at(-1)));
  const gaps = interruptions(events);
  if (gaps.length)
    push(
      `Interrupted (${gaps.length === 1 ? 'no run in progress' : `${gaps.length} times, no run in progress`})`,
      gaps.reduce((sum, g) => sum + (Date.parse(g.to) - Date.parse(g.from)), 0),
    );
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

  const trigger = incident.requestedBy.startsWith('operator') ? 'operator' : 'monitor';
  return {
    kind,
    kindLabel: KIND_LABEL[kind],
    trigger,
    hostEvent: trigger === 'operator' ? `was taken out of service at the request of ${incident.requestedBy}` : 'failed',
    fenceAdvice: fenceAdvice(incident),
    runs: runsOf(events),
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
    instances: instances.map((i) =>
      instanceView(i, zone, { projectName: opts.projectNames?.get(i.projectId), planned: planned.get(i.instanceId) }),
    ),
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
    `freezer-dr incidents ${incident.id} --html ${incident.id}.html`,
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

  for (const g of interruptions(events))
    spans.push({ label: 'interrupted', indent: false, colour: COLOURS.resume, start: t(g.from), end: t(g.to) });

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

function byTime(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b);
}

/** Each resume, with the last event before it: the stretch when no run was handling the incident. */
function interruptions(events: readonly TimelineEvent[]): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = [];
  events.forEach((e, i) => {
    const before = events[i - 1];
    if (e.step === 'resume' && before) out.push({ from: before.at, to: e.at });
  });
  return out;
}

function runsOf(events: readonly TimelineEvent[]): number {
  return 1 + events.filter((e) => e.step === 'resume').length;
}

function outcomeLabel(outcome: InstanceOutcome, vmStateBefore: string | null): string {
  if (outcome === 'evacuated' && vmStateBefore === 'stopped') return 'moved, still stopped';
  return OUTCOME_LABEL[outcome];
}

/** What the outcome means for the instance, told to its owner as it is (stopped, in error, its disk). */
function instanceMeaning(r: InstanceRecord, vmStateBefore: string | null, volumeBacked: boolean | null): string {
  const disk =
    volumeBacked === null
      ? ''
      : volumeBacked
        ? ' Its disk is a volume and was kept.'
        : ` Its root disk was local to ${r.sourceHost} (not a volume): it was rebuilt from its image, and what was written to it is lost (attached volumes are kept) — unless the cloud keeps instance disks on shared storage.`;
  switch (r.outcome) {
    case 'evacuated':
      if (vmStateBefore === 'stopped')
        return `Moved to ${r.targetHost ?? 'another host'} and still stopped, as it was before: start it when you need it (openstack server start ${r.instanceId}).${disk}`;
      if (vmStateBefore === 'error')
        return `Moved to ${r.targetHost ?? 'another host'}; it was already in ERROR before the failure: check it (openstack server show ${r.instanceId}) and reboot it (openstack server reboot --hard ${r.instanceId}) or ask the cloud administrators.${disk}`;
      return `Running again on ${r.targetHost ?? 'another host'} after a hard reboot: what was only in memory is lost; check that your applications came back.${disk}`;
    case 'failed':
      return `Not running: it could not be started on another host${r.reason ? ` (${r.reason})` : ''}. Do not delete it: it can be evacuated again once the cause is fixed, and the cloud administrators have been told.`;
    case 'timeout':
      return `The move did not finish in time and may still complete: check it in a few minutes (openstack server show ${r.instanceId}); if it reads ERROR, contact the cloud administrators.`;
    case 'skipped':
      return `Not moved${r.reason ? ` (${r.reason})` : ''}: it stays on ${r.sourceHost}, which is powered off, and comes back when that host is repaired.`;
    case 'pending':
    case 'evacuating':
      return 'Not running: recovery stopped before this instance was handled; the cloud administrators are working on it.';
  }
}

/** What to check when the fence was not confirmed, from the error's real cause. */
function fenceAdvice(incident: Incident): string {
  const host = incident.host;
  switch (incident.error?.name) {
    case 'NoFencerConfiguredError':
      return `No BMC is configured for ${host}: add it under fencing.hosts in the config (freezer-dr check shows which hosts have none), or power the host off by hand.`;
    case 'FenceNeedsOperatorError':
      return `${host} is fenced by hand (its fencing driver is manual): power it off yourself.`;
    case 'BmcAuthError':
      return `The BMC of ${host} refused the login: check the user name and password configured for it under fencing.hosts.`;
    case 'BmcPrivilegeError':
      return `The BMC account used for ${host} may not power it off: give it the operator or administrator privilege.`;
    case 'BmcTlsError':
      return `TLS to the BMC of ${host} failed: check its certificate and the CA bundle configured for it.`;
    case 'UnsupportedCipherSuiteError':
      return `The BMC of ${host} offers no IPMI cipher suite freezer-dr accepts (suite 0 and other unauthenticated suites are refused): enable suite 3 or 17 on the BMC.`;
    case 'BmcUnreachableError':
      return `The BMC of ${host} did not answer: check that it is reachable from freezer-dr (its address, the VPN, firewalls) and powered.`;
    case 'PowerOffTimeoutError':
    case 'PowerActionRefusedError':
    case 'PowerStateUnknownError':
      return `The BMC of ${host} answered, but the host was not read as off: check its power in the BMC's console and event log (it may be stuck).`;
    case 'FenceNotRecordedError':
      return `The incident store could not be written (full disk, read-only, lost table): fix the store first.`;
    default:
      return `Check the BMC of ${host}: is it reachable from freezer-dr (VPN, firewall), are the credentials right, does it answer a power-status request?`;
  }
}
