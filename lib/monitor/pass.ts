import { IncidentExistsError } from '../incidents/index.js';
import { notifyAdmins } from '../notify/index.js';
import type { Incident } from '../incidents/index.js';
import type { ExecutionInputRaw } from '../workflow/index.js';
import type { Runtime } from '../workflow/index.js';
import { decide } from './decide.js';
import { loadMonitorDriver } from './registry.js';
import type { MonitorDecision } from './schemas.js';

export const PAUSE_SETTING = 'paused';
/** An incident still 'open' (no execution picked it up) this long after it was written is restarted. */
const ABANDONED_AFTER_MS = 120_000;
/** The gates already reported to the admins, so each episode is mailed once, not every minute. */
const ALERTED_GATES_SETTING = 'alerted-gates';

/** How an execution is started: Step Functions in AWS, the in-process runner locally. */
export type StartRecovery = (input: ExecutionInputRaw) => Promise<{ started: boolean; detail: string }>;

export interface MonitorPassResult {
  decision: MonitorDecision;
  started: Array<{ host: string; incidentId: string; started: boolean; detail: string }>;
}

/** Is the pause switch on (config or store)? */
export async function isPaused(rt: Runtime): Promise<boolean> {
  return rt.config.monitor.paused || (await rt.store.getSetting(PAUSE_SETTING)) === 'true';
}

/**
 * One monitor pass: observe, decide (pure), remember grace periods, and start one execution
 * per failed host. The incident is written first with a conditional write (S4), so a second
 * pass, a retried Lambda or a manual `recover` can never start a second recovery for the host.
 * `startRecovery: null` decides without acting (the `check` command).
 */
export async function runMonitorPass(rt: Runtime, startRecovery: StartRecovery | null): Promise<MonitorPassResult> {
  const driver = await loadMonitorDriver(rt.config.monitor.driver);
  const observed = await driver({ session: rt.session });
  const open = await rt.store.listIncidents({ openOnly: true });
  const { decision, observations } = decide({
    observed,
    localNow: rt.now(),
    observations: await rt.store.getObservations(),
    openIncidents: new Set(open.map((i) => i.host)),
    paused: await isPaused(rt),
    config: rt.config.monitor,
  });
  if (startRecovery) await rt.store.putObservations(observations);
  for (const gate of decision.gates)
    rt.log.warn(`gate ${gate.gate}: ${gate.reason}`, { gate: gate.gate, hosts: gate.hosts });
  if (startRecovery) await alertNewGates(rt, decision);

  const started: MonitorPassResult['started'] = [];
  if (!startRecovery) return { decision, started };
  for (const r of decision.recover) {
    const now = rt.now().toISOString();
    const incident: Incident = {
      id: r.incidentId,
      host: r.host,
      status: 'open',
      reason: r.reason,
      requestedBy: 'monitor',
      detectedAt: r.detectedAt,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      dryRun: false,
      fence: null,
      isolation: null,
      plan: null,
      error: null,
      notifications: [],
    };
    try {
      await rt.store.createIncident(incident);
    } catch (err) {
      // Our own incident, still 'open' long after it was written: the pass that wrote it died
      // before StartExecution. Starting again is safe in AWS (the execution name is the incident
      // id) and locally (an execution moves it past 'open' within a second, so another watcher
      // on the same store never restarts a live one). Anything else is in flight: skip.
      const abandoned =
        err instanceof IncidentExistsError &&
        err.existing.id === r.incidentId &&
        err.existing.status === 'open' &&
        rt.now().getTime() - new Date(err.existing.updatedAt).getTime() > ABANDONED_AFTER_MS;
      if (!abandoned) {
        started.push({
          host: r.host,
          incidentId: r.incidentId,
          started: false,
          detail: err instanceof IncidentExistsError ? `in flight as ${err.existing.id}` : String(err),
        });
        continue;
      }
    }
    const input: ExecutionInputRaw = {
      incidentId: r.incidentId,
      host: r.host,
      reason: r.reason,
      detectedAt: r.detectedAt,
      requestedBy: 'monitor',
      dryRun: false,
      fence: 'bmc',
    };
    const result = await startRecovery(input);
    rt.log.info(`recovery ${result.started ? 'started' : 'not started'} for ${r.host}`, {
      incidentId: r.incidentId,
      detail: result.detail,
    });
    started.push({ host: r.host, incidentId: r.incidentId, ...result });
  }
  return { decision, started };
}

/**
 * Mail the admins when a blocking gate starts firing (once per episode: it is remembered in
 * the store until the gate stops firing). In-flight is routine and is not mailed.
 */
async function alertNewGates(rt: Runtime, decision: MonitorDecision): Promise<void> {
  const firing = decision.gates.filter((g) => g.gate !== 'in-flight');
  const before = new Set<string>(JSON.parse((await rt.store.getSetting(ALERTED_GATES_SETTING)) ?? '[]') as string[]);
  const now = new Set(firing.map((g) => g.gate));
  for (const gate of firing) {
    if (before.has(gate.gate)) continue;
    await notifyAdmins(
      { config: rt.config.notification, log: rt.log, now: rt.now },
      {
        subject: `freezer-dr: ${gate.gate} gate — no host is being fenced`,
        text: `${gate.reason}\n\nHosts concerned: ${gate.hosts.join(', ') || '(none yet)'}\nObserved at ${decision.at}.\nSee the current view with: freezer-dr check`,
        gate: gate.gate,
        host: gate.hosts[0],
      },
    ).catch((err: unknown) => rt.log.error('gate alert could not be sent', { gate: gate.gate, error: String(err) }));
  }
  if ([...now].sort().join() !== [...before].sort().join())
    await rt.store.putSetting(ALERTED_GATES_SETTING, JSON.stringify([...now]));
}
