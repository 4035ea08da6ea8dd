import { IncidentExistsError } from '../incidents/errors.js';
import type { Incident } from '../incidents/schemas.js';
import type { ExecutionInputRaw } from '../workflow/schemas.js';
import type { Runtime } from '../workflow/runtime.js';
import { decide } from './decide.js';
import { loadMonitorDriver } from './registry.js';
import type { MonitorDecision } from './schemas.js';

export const PAUSE_SETTING = 'paused';

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
  for (const gate of decision.gates) rt.log.warn(`gate ${gate.gate}: ${gate.reason}`, { gate: gate.gate, hosts: gate.hosts });

  const started: MonitorPassResult['started'] = [];
  if (!startRecovery) return { decision, started };
  for (const r of decision.recover) {
    const now = rt.now().toISOString();
    const incident: Incident = {
      id: r.incidentId, host: r.host, status: 'open', reason: r.reason, requestedBy: 'monitor', detectedAt: r.detectedAt,
      createdAt: now, updatedAt: now, closedAt: null, dryRun: false, fence: null, isolation: null, plan: null, error: null, notifications: [],
    };
    try {
      await rt.store.createIncident(incident);
    } catch (err) {
      // Our own incident, created by a pass that died before StartExecution: starting again is
      // safe because the execution name is the incident id. Anything else is in flight: skip.
      if (!(err instanceof IncidentExistsError) || err.existing.id !== r.incidentId || err.existing.status !== 'open') {
        started.push({ host: r.host, incidentId: r.incidentId, started: false, detail: err instanceof IncidentExistsError ? `in flight as ${err.existing.id}` : String(err) });
        continue;
      }
    }
    const input: ExecutionInputRaw = { incidentId: r.incidentId, host: r.host, reason: r.reason, detectedAt: r.detectedAt, requestedBy: 'monitor', dryRun: false, fence: 'bmc' };
    const result = await startRecovery(input);
    rt.log.info(`recovery ${result.started ? 'started' : 'not started'} for ${r.host}`, { incidentId: r.incidentId, detail: result.detail });
    started.push({ host: r.host, incidentId: r.incidentId, ...result });
  }
  return { decision, started };
}
