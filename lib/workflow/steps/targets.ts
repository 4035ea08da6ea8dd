import { chooseReservedHost, type ReservedChoice, type ReservedHostRecord } from '../../evacuation/index.js';
import { errorMessage } from '../../errors.js';
import {
  disableService,
  enableService,
  listAggregates,
  listComputeServices,
  listHostEvacuations,
  listServersOnHost,
} from '../../openstack/index.js';
import { recordEvent, type Runtime } from '../runtime.js';
import type { TargetsStepInput, TargetsStepOutput } from '../targets-schemas.js';

/** Migration states after which Nova sends nothing more to the destination. */
const FINISHED = new Set(['done', 'completed', 'error', 'failed', 'cancelled']);

/**
 * The reserved-host Tasks around the Evacuate loop (infra/state-machine.asl.json): PrepareTargets
 * enables one reserved host before the first evacuation, ReleaseTargets returns it to the pool
 * after the last one settled. Neither ever stops the recovery: whatever goes wrong is recorded in
 * the incident and the scheduler places the instances.
 */
export async function targetsStep(rt: Runtime, input: TargetsStepInput): Promise<TargetsStepOutput> {
  return input.action === 'prepare' ? prepareTargetsStep(rt, input) : releaseTargetsStep(rt, input);
}

function output(rt: Runtime, rec: ReservedHostRecord | null | undefined): TargetsStepOutput {
  const mode = rec?.mode ?? rt.config.evacuation.reservedHosts?.mode ?? 'scheduler';
  return { reservedHost: rec?.host ?? null, status: rec?.status ?? 'none', mode };
}

/** Read-only: which reserved host a recovery of `host` would enable now, and why the others would not. */
export async function previewReservedHost(rt: Runtime, host: string, signal?: AbortSignal): Promise<ReservedChoice> {
  const cfg = rt.config.evacuation.reservedHosts;
  if (!cfg) return { chosen: null, rejected: [], reason: 'evacuation.reservedHosts is not configured' };
  const [{ services }, aggregates] = await Promise.all([
    listComputeServices(rt.session, signal),
    listAggregates(rt.session, signal),
  ]);
  return chooseReservedHost(cfg, host, services, aggregates);
}

/**
 * Enable ONE reserved host matching the failed host (same aggregate or zone; up, not forced down,
 * disabled as a spare), after the fence is confirmed and before any evacuation. Enabling it is
 * what the operator asked for by configuring it (DESIGN S2); the failed host is never touched
 * (`unusableReason` refuses it). The record is written before the request, so a resumed run
 * reads Nova instead of enabling a second host.
 */
export async function prepareTargetsStep(
  rt: Runtime,
  input: Pick<TargetsStepInput, 'incidentId' | 'host'>,
): Promise<TargetsStepOutput> {
  const cfg = rt.config.evacuation.reservedHosts;
  const incident = await rt.store.getIncident(input.incidentId);
  if (!cfg || !incident) return output(rt, null);
  if (incident.reservedHost && incident.reservedHost.status !== 'enabling') return output(rt, incident.reservedHost);
  const none = (reason: string, rejected: ReservedChoice['rejected'] = []): ReservedHostRecord => ({
    ...emptyRecord(cfg.mode),
    reason,
    rejected,
  });
  if (!incident.fence?.fenced)
    return output(rt, await settle(rt, input.incidentId, none('the host is not confirmed fenced')));
  let rec: ReservedHostRecord;
  if (incident.reservedHost) rec = incident.reservedHost;
  else {
    try {
      const choice = await previewReservedHost(rt, input.host);
      if (!choice.chosen) return output(rt, await settle(rt, input.incidentId, none(choice.reason!, choice.rejected)));
      const { chosen } = choice;
      const onIt = await listServersOnHost(rt.session, chosen.host);
      rec = {
        ...emptyRecord(cfg.mode),
        host: chosen.host,
        serviceId: chosen.serviceId,
        matchedBy: chosen.matchedBy,
        status: 'enabling',
        originalReason: chosen.disabledReason,
        rejected: choice.rejected,
        preexisting: onIt.map((s) => s.id),
      };
    } catch (err) {
      const why = `could not read the reserved hosts from Nova (${errorMessage(err)})`;
      return output(rt, await settle(rt, input.incidentId, none(why)));
    }
    await rt.store.updateIncident(input.incidentId, { reservedHost: rec });
  }
  return output(rt, await settle(rt, input.incidentId, await enable(rt, rec)));
}

function emptyRecord(mode: ReservedHostRecord['mode']): ReservedHostRecord {
  return {
    host: null,
    serviceId: null,
    mode,
    matchedBy: null,
    status: 'none',
    reason: null,
    originalReason: null,
    rejected: [],
    preexisting: [],
    landed: [],
    enabledAt: null,
    releasedAt: null,
  };
}

/** Send the enable (or find it done, on resume). A failure falls back to the scheduler, with the reason. */
async function enable(rt: Runtime, rec: ReservedHostRecord): Promise<ReservedHostRecord> {
  try {
    const { services } = await listComputeServices(rt.session);
    const now = services.find((s) => s.id === rec.serviceId);
    if (now?.status !== 'enabled') await enableService(rt.session, rec.serviceId!);
    return { ...rec, status: 'enabled', enabledAt: rt.now().toISOString() };
  } catch (err) {
    return { ...rec, status: 'enable-failed', reason: `enabling it failed (${errorMessage(err)})` };
  }
}

/** Store the record and tell the timeline what it means for this recovery. */
async function settle(rt: Runtime, incidentId: string, rec: ReservedHostRecord): Promise<ReservedHostRecord> {
  await rt.store.updateIncident(incidentId, { reservedHost: rec });
  if (rec.rejected.length && rec.status !== 'none')
    await recordEvent(
      rt,
      incidentId,
      'evacuate',
      `reserved host(s) not usable: ${rec.rejected.map((r) => `${r.host} (${r.reason})`).join('; ')}`,
    );
  await recordEvent(rt, incidentId, 'evacuate', prepareMessage(rec));
  return rec;
}

function prepareMessage(rec: ReservedHostRecord): string {
  if (rec.status === 'enabled')
    return `reserved host ${rec.host} enabled for this recovery (${rec.matchedBy}); ${
      rec.mode === 'target' ? 'every evacuation is sent to it' : 'the scheduler may place instances on it'
    }`;
  if (rec.status === 'enable-failed')
    return `reserved host ${rec.host} not used: ${rec.reason}; the scheduler places the instances`;
  return `no reserved host used: ${rec.reason}; the scheduler places the instances`;
}

/**
 * After the evacuations settled: a reserved host this incident enabled goes back to the pool
 * (disabled again, with its old reason or the marker) when nothing landed on it and no
 * evacuation is still heading there; otherwise it stays enabled and the incident says what is on it.
 */
export async function releaseTargetsStep(
  rt: Runtime,
  input: Pick<TargetsStepInput, 'incidentId' | 'host'>,
): Promise<TargetsStepOutput> {
  const cfg = rt.config.evacuation.reservedHosts;
  const rec = (await rt.store.getIncident(input.incidentId))?.reservedHost;
  if (!cfg || !rec?.host || !rec.serviceId || ['none', 'returned', 'kept'].includes(rec.status)) return output(rt, rec);
  let next: ReservedHostRecord;
  try {
    next = await release(rt, input.host, rec, cfg.disabledReasonMarker);
  } catch (err) {
    next = {
      ...rec,
      status: 'release-failed',
      reason: `it could not be returned to the pool (${errorMessage(err)}); it may still be enabled`,
    };
  }
  await rt.store.updateIncident(input.incidentId, { reservedHost: next });
  await recordEvent(rt, input.incidentId, 'evacuate', releaseMessage(next, cfg.disabledReasonMarker));
  return output(rt, next);
}

async function release(
  rt: Runtime,
  failedHost: string,
  rec: ReservedHostRecord,
  marker: string,
): Promise<ReservedHostRecord> {
  const host = rec.host!;
  const [{ services }, servers, migrations] = await Promise.all([
    listComputeServices(rt.session),
    listServersOnHost(rt.session, host),
    listHostEvacuations(rt.session, failedHost),
  ]);
  const landed = [
    ...servers.filter((s) => !rec.preexisting.includes(s.id)).map((s) => s.name),
    ...migrations
      .filter((m) => m.destCompute === host && !FINISHED.has(m.status))
      .map((m) => `evacuation of ${m.instanceId} still ${m.status}`),
  ];
  const releasedAt = rt.now().toISOString();
  if (landed.length) return { ...rec, status: 'kept', landed, releasedAt, reason: `${landed.length} landed on it` };
  const service = services.find((s) => s.id === rec.serviceId);
  if (!service) return { ...rec, status: 'release-failed', releasedAt, reason: 'its service is gone from Nova' };
  if (service.status === 'disabled')
    return { ...rec, status: rec.status === 'enable-failed' ? 'enable-failed' : 'returned', releasedAt };
  const reason = rec.originalReason?.includes(marker) ? rec.originalReason : marker;
  await disableService(rt.session, service.id, reason);
  return { ...rec, status: 'returned', releasedAt, reason: `disabled again ("${reason}")` };
}

function releaseMessage(rec: ReservedHostRecord, marker: string): string {
  if (rec.status === 'returned')
    return `reserved host ${rec.host} returned to the pool: nothing landed on it${rec.reason ? `, ${rec.reason}` : ''}`;
  if (rec.status === 'kept')
    return `reserved host ${rec.host} stays enabled: ${rec.landed.join(', ')} landed on it; return it to the pool once they are moved (disable its nova-compute with a reason containing "${marker}")`;
  if (rec.status === 'enable-failed') return `reserved host ${rec.host} was never enabled: nothing to return`;
  return `reserved host ${rec.host}: ${rec.reason}`;
}
