import { IncidentExistsError, type Incident, type Observation } from '../incidents/index.js';
import { notifyAdmins } from '../notify/index.js';
import { listAggregates } from '../openstack/index.js';
import { openIncident, parseExecutionInput, type ExecutionInputRaw, type Runtime } from '../workflow/index.js';
import { aggregateLimits } from './aggregates.js';
import { decide } from './decide.js';
import type { AggregatesObserved } from './gates.js';
import { loadMonitorDriver, loadSecondSignal } from './registry.js';
import type { FenceFailed, MonitorDecision, Observed, PauseState, RecentRecovery, SecondObserved } from './schemas.js';

export const PAUSE_SETTING = 'paused';
/** Who paused and when (written by `freezer-dr pause`, shown by `check`). */
export const PAUSED_SINCE_SETTING = 'paused-since';
export const PAUSED_BY_SETTING = 'paused-by';
/** An incident still 'open' (no execution picked it up) this long after it was written is restarted. */
const ABANDONED_AFTER_MS = 120_000;
/** The gates already reported to the admins, so each episode is mailed once, not every minute. */
const ALERTED_GATES_SETTING = 'alerted-gates';
/** When each open fence-failed incident was last brought back to the admins. */
const FENCE_REMINDERS_SETTING = 'fence-failed-reminders';
/** Incidents read per pass to find recent recoveries and fence failures (newest first). */
const RECENT_INCIDENTS = 200;

/** How an execution is started: Step Functions in AWS, the in-process runner locally. */
export type StartRecovery = (input: ExecutionInputRaw) => Promise<{ started: boolean; detail: string }>;

export interface MonitorPassResult {
  decision: MonitorDecision;
  started: Array<{ host: string; incidentId: string; started: boolean; detail: string }>;
}

/** Is the pause switch on (config or store)? */
export async function isPaused(rt: Runtime): Promise<boolean> {
  return (await pauseState(rt)).paused;
}

/** The pause switch with who set it and when (the config wins: it cannot be lifted from the CLI). */
export async function pauseState(rt: Runtime): Promise<PauseState> {
  if (rt.config.monitor.paused) return { paused: true, source: 'config', since: null, by: null };
  if ((await rt.store.getSetting(PAUSE_SETTING)) !== 'true')
    return { paused: false, source: null, since: null, by: null };
  const since = (await rt.store.getSetting(PAUSED_SINCE_SETTING)) ?? null;
  return { paused: true, source: 'store', since, by: (await rt.store.getSetting(PAUSED_BY_SETTING)) ?? null };
}

const warned = new WeakSet<Runtime>();

/** Say once per process how failures are confirmed: nova-only is today's risk, a missing signal fences nothing. */
function warnConfirmationOnce(rt: Runtime): void {
  if (warned.has(rt)) return;
  warned.add(rt);
  const m = rt.config.monitor;
  if (m.confirmation === 'nova-only')
    rt.log.warn(
      "monitor.confirmation is nova-only: a stale nova-compute heartbeat alone leads to a power-off (a hung nova-compute or a RabbitMQ problem can fence a live host). Configure monitor.secondSignal and drop 'nova-only'",
      { confirmation: m.confirmation },
    );
  else if (!m.secondSignal)
    rt.log.error(
      'monitor.confirmation is second-signal but no monitor.secondSignal is configured: no host will be fenced until one is (prometheus or tcp-probe)',
      { confirmation: m.confirmation },
    );
  else
    rt.log.info(`failures are confirmed by a second signal (${m.secondSignal.driver})`, {
      confirmation: m.confirmation,
    });
}

async function readSecondSignal(rt: Runtime, observed: Observed): Promise<SecondObserved | null> {
  const cfg = rt.config.monitor.secondSignal;
  if (!cfg || !observed.ok) return null;
  const driver = await loadSecondSignal(cfg.driver);
  return driver({ config: cfg, hosts: observed.signals.map((s) => s.host) });
}

async function readAggregates(rt: Runtime): Promise<AggregatesObserved> {
  try {
    return { ok: true, aggregates: aggregateLimits(await listAggregates(rt.session)) };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/**
 * What the store says about recent recoveries: those in flight or ended within the storm
 * window, and each host's last incident when it ended fence-failed (dry runs are ignored).
 */
export function recentHistory(
  incidents: Incident[],
  localNow: Date,
  windowSeconds: number,
): { recent: RecentRecovery[]; fenceFailed: FenceFailed[] } {
  const real = incidents.filter((i) => !i.dryRun && i.status !== 'dry-run');
  const since = localNow.getTime() - windowSeconds * 1000;
  const recent = real
    .filter((i) => !i.closedAt || Date.parse(i.closedAt) >= since)
    .map((i) => ({ host: i.host, incidentId: i.id, status: i.status, closedAt: i.closedAt }));
  const latest = new Map<string, Incident>();
  for (const i of real) if (!latest.has(i.host)) latest.set(i.host, i);
  const fenceFailed = [...latest.values()]
    .filter((i) => i.status === 'fence-failed')
    .map((i) => {
      const m = /^(.*)-r(\d+)$/.exec(i.id);
      const base = m ? m[1]! : i.id;
      const attempts = m ? Number(m[2]) : 0;
      return {
        host: i.host,
        incidentId: i.id,
        closedAt: i.closedAt,
        error: i.error ? `${i.error.name}: ${i.error.message}` : null,
        attempts,
        nextIncidentId: `${base}-r${attempts + 1}`,
      };
    });
  return { recent, fenceFailed };
}

/**
 * One monitor pass: observe (Nova, then the second signal), decide (pure), remember grace
 * periods, alert, and start one execution per failed host. The incident is written first with a
 * conditional write (S4), so a second pass, a retried Lambda or a manual `recover` can never
 * start a second recovery for the host. `startRecovery: null` decides without acting (`check`).
 */
export async function runMonitorPass(rt: Runtime, startRecovery: StartRecovery | null): Promise<MonitorPassResult> {
  // `check` prints all of this itself and must keep `--json` clean: only an acting pass logs.
  if (startRecovery) warnConfirmationOnce(rt);
  const driver = await loadMonitorDriver(rt.config.monitor.driver);
  const observed = await driver({ session: rt.session });
  const second = await readSecondSignal(rt, observed);
  const localNow = rt.now();
  const open = await rt.store.listIncidents({ openOnly: true });
  const input: Parameters<typeof decide>[0] = {
    observed,
    second,
    localNow,
    cloudTimeFloor: cloudTimeFloor(rt),
    observations: await rt.store.getObservations(),
    openIncidents: new Set(open.map((i) => i.host)),
    paused: await pauseState(rt),
    config: rt.config.monitor,
    recent: open.map((i) => ({ host: i.host, incidentId: i.id, status: i.status, closedAt: null })),
  };
  const first = decide(input);
  let { decision, observations } = first;
  rememberCloudTime(rt, first.ageReference);
  // Recent recoveries only change the verdict of a host in trouble (the storm gate counts them,
  // a failed host may be one whose fence failed): a quiet pass decides without reading them.
  // `check` always reads them, to show the whole picture.
  if (!startRecovery || decision.hosts.some(inTrouble)) {
    const incidents = await rt.store.listIncidents({ limit: RECENT_INCIDENTS });
    const history = recentHistory(incidents, localNow, rt.config.monitor.gates.recentRecoveryWindowSeconds);
    input.recent = [...history.recent, ...(input.recent ?? [])];
    input.fenceFailed = history.fenceFailed;
    ({ decision, observations } = decide(input));
  }
  // Aggregate limits are read only when a host would be recovered: one more call, only then.
  if (rt.config.monitor.gates.aggregateLimits && decision.hosts.some((h) => h.verdict === 'failed'))
    ({ decision, observations } = decide({ ...input, aggregates: await readAggregates(rt) }));

  // `check` persists too: a suspect's grace then runs from the first time anyone saw it, not
  // from 0 s on every run. The observations are facts, whoever observed them.
  if (observed.ok) await saveObservations(rt, observations, startRecovery !== null);
  if (!startRecovery) return { decision, started: [] };
  logDecision(rt, decision);
  await alertNewGates(rt, decision);
  await remindFenceFailures(rt, decision);
  const started: MonitorPassResult['started'] = [];
  for (const r of decision.recover) started.push(await startOne(rt, r, startRecovery));
  return { decision, started };
}

/**
 * The lower bound of the cloud's time the last pass of this runtime read ages against (without a
 * Date header), and when, on the monotonic clock: `start` and a warm monitor Lambda carry it from
 * pass to pass; `check` and a cold start begin without it.
 */
const cloudTime = new WeakMap<Runtime, { ms: number; at: number }>();

function cloudTimeFloor(rt: Runtime): number | undefined {
  const seen = cloudTime.get(rt);
  return seen && seen.ms + (performance.now() - seen.at);
}

/** Kept only when ages were read against the heartbeats; `at` is taken after the listing, so the bound errs low. */
function rememberCloudTime(rt: Runtime, ref: ReturnType<typeof decide>['ageReference']): void {
  if (!ref) return; // an unobservable pass: keep what the last one knew
  if (ref.source === 'heartbeat') cloudTime.set(rt, { ms: ref.ms, at: performance.now() });
  else cloudTime.delete(rt);
}

/** Verdicts that history cannot change: nothing to recover, nothing suspect, nothing dark. */
const QUIET = new Set<MonitorDecision['hosts'][number]['verdict']>(['healthy', 'disabled', 'excluded', 'fenced']);
const inTrouble = (h: MonitorDecision['hosts'][number]) =>
  !QUIET.has(h.verdict) || h.secondSignal?.reachability === 'unreachable';

/** The watcher must persist (grace depends on it); `check` only tries (it may hold a read-only role). */
async function saveObservations(rt: Runtime, observations: Observation[], required: boolean): Promise<void> {
  try {
    await rt.store.putObservations(observations);
  } catch (err) {
    if (required) throw err;
    rt.log.debug('check could not record its observations', { error: String(err) });
  }
}

function logDecision(rt: Runtime, decision: MonitorDecision): void {
  for (const gate of decision.gates)
    rt.log.warn(`gate ${gate.gate}: ${gate.reason}`, { gate: gate.gate, hosts: gate.hosts, blocking: gate.blocking });
}

/** Write the incident (S4), then start its execution; an incident that exists is in flight, unless abandoned. */
async function startOne(
  rt: Runtime,
  r: MonitorDecision['recover'][number],
  startRecovery: StartRecovery,
): Promise<MonitorPassResult['started'][number]> {
  const input = parseExecutionInput({
    incidentId: r.incidentId,
    host: r.host,
    reason: r.reason,
    detectedAt: r.detectedAt,
    requestedBy: 'monitor',
    dryRun: false,
    fence: 'bmc',
  });
  try {
    await openIncident(rt, input);
  } catch (err) {
    // Our own incident, still 'open' long after it was written: the pass that wrote it died
    // before StartExecution. Starting again is safe in AWS (the execution name is the incident
    // id) and locally (an execution moves it past 'open' within a second, so another watcher
    // on the same store never restarts a live one). Anything else is in flight: skip, and say so.
    const abandoned =
      err instanceof IncidentExistsError &&
      err.existing.id === r.incidentId &&
      err.existing.status === 'open' &&
      rt.now().getTime() - new Date(err.existing.updatedAt).getTime() > ABANDONED_AFTER_MS;
    if (!abandoned) {
      const detail =
        err instanceof IncidentExistsError ? `in flight as ${err.existing.id} (${err.existing.status})` : String(err);
      rt.log.info(`recovery not started for ${r.host}: ${detail}`, { incidentId: r.incidentId });
      return { host: r.host, incidentId: r.incidentId, started: false, detail };
    }
  }
  const result = await startRecovery(input);
  rt.log.info(`recovery ${result.started ? 'started' : 'not started'} for ${r.host}`, {
    incidentId: r.incidentId,
    detail: result.detail,
  });
  return { host: r.host, incidentId: r.incidentId, ...result };
}

/** Alert subjects: the blocking gates say nothing is fenced; per-host news names the host. */
function subjectFor(gate: MonitorDecision['gates'][number]): string {
  if (gate.gate === 'host-answers')
    return `freezer-dr: nova-compute down on ${gate.hosts[0]} but the host answers — not fenced`;
  if (gate.gate === 'unconfirmed')
    return `freezer-dr: nova-compute down on ${gate.hosts[0]}, the second signal has no reading for it — not fenced`;
  if (gate.gate === 'aggregate') return `freezer-dr: aggregate limit — ${gate.hosts.join(', ')} not fenced`;
  return `freezer-dr: ${gate.gate} gate — no host is being fenced`;
}

/**
 * Mail the admins when a gate starts firing (once per episode: its key is remembered in the
 * store until it stops firing). In-flight is routine; fence failures have their own reminders.
 */
async function alertNewGates(rt: Runtime, decision: MonitorDecision): Promise<void> {
  const firing = decision.gates.filter((g) => g.gate !== 'in-flight' && g.gate !== 'fence-failed');
  const keyOf = (g: MonitorDecision['gates'][number]) => g.key ?? g.gate;
  const before = new Set<string>(JSON.parse((await rt.store.getSetting(ALERTED_GATES_SETTING)) ?? '[]') as string[]);
  const now = new Set(firing.map(keyOf));
  for (const gate of firing) {
    if (before.has(keyOf(gate))) continue;
    await notifyAdmins(
      { config: rt.config.notification, log: rt.log, now: rt.now },
      {
        subject: subjectFor(gate),
        text: `${gate.reason}\n\nHosts concerned: ${gate.hosts.join(', ') || '(none yet)'}\nObserved at ${decision.at}.\nSee the current view with: freezer-dr check`,
        gate: gate.gate,
        host: gate.hosts[0],
      },
    ).catch((err: unknown) => rt.log.error('gate alert could not be sent', { gate: gate.gate, error: String(err) }));
  }
  if ([...now].sort().join() !== [...before].sort().join())
    await rt.store.putSetting(ALERTED_GATES_SETTING, JSON.stringify([...now]));
}

/**
 * A fence-failed incident whose host still looks dead is brought back to the admins every
 * `fenceFailedReminderHours` (the fence-failed mail itself went out when it failed).
 */
async function remindFenceFailures(rt: Runtime, decision: MonitorDecision): Promise<void> {
  const hours = rt.config.monitor.fenceFailedReminderHours;
  const open = decision.hosts.filter((h) => h.verdict === 'fence-failed' && h.incidentId);
  const before = JSON.parse((await rt.store.getSetting(FENCE_REMINDERS_SETTING)) ?? '{}') as Record<string, string>;
  const after: Record<string, string> = {};
  const now = rt.now();
  for (const h of open) {
    const id = h.incidentId!;
    const last = before[id] ?? (await rt.store.getIncident(id))?.closedAt ?? now.toISOString();
    after[id] = last;
    if (hours <= 0 || now.getTime() - Date.parse(last) < hours * 3_600_000) continue;
    rt.log.warn(`fence-failed incident ${id} is still open: ${h.reason}`, { incidentId: id, host: h.host });
    await notifyAdmins(
      { config: rt.config.notification, log: rt.log, now: rt.now },
      {
        subject: `freezer-dr: reminder — ${h.host} was never fenced (incident ${id})`,
        text: `${h.reason}\n\nThis reminder repeats every ${hours} h while the host looks dead and is not forced down.\nSee: freezer-dr incidents ${id}`,
        gate: 'fence-failed',
        host: h.host,
      },
    ).catch((err: unknown) => rt.log.error('fence-failed reminder could not be sent', { error: String(err) }));
    after[id] = now.toISOString();
  }
  if (JSON.stringify(after) !== JSON.stringify(before))
    await rt.store.putSetting(FENCE_REMINDERS_SETTING, JSON.stringify(after));
}
