import type { Config, ReservedHostsConfig } from '../config/index.js';
import type { Aggregate, ComputeService } from '../openstack/index.js';
import type { ReservedHostRecord } from './reserved-schemas.js';

/** The reason isolate gives a fenced host: such a host is never a reserved host, whatever the config says. */
const FENCED_BY_US = /^freezer-dr \S+: fenced/;

export interface ReservedCandidate {
  host: string;
  /** How it matches the failed host, in words. */
  matchedBy: string;
}

export interface ReservedChoice {
  chosen: (ReservedCandidate & { serviceId: string; disabledReason: string | null }) | null;
  /** Candidates that matched and cannot be used, with why. */
  rejected: Array<{ host: string; reason: string }>;
  /** Why none was chosen (null when one was). */
  reason: string | null;
}

/**
 * The reserved hosts that could stand in for `failedHost`, best first: `byAggregate` of its
 * aggregates, `byZone` of its zone, then `hosts` and the hosts marked in Nova (disabled reason
 * containing the marker) that share an aggregate or the zone with it. A configured name with no
 * service in Nova is kept, so that the check below names it instead of dropping it silently.
 */
export function reservedCandidates(
  cfg: ReservedHostsConfig,
  failedHost: string,
  services: readonly ComputeService[],
  aggregates: readonly Aggregate[],
): ReservedCandidate[] {
  const serviceOf = (h: string) => services.find((s) => s.host === h);
  const aggregatesOf = (h: string) => aggregates.filter((a) => a.hosts.includes(h));
  const failedAggregates = aggregatesOf(failedHost);
  const failedZone = serviceOf(failedHost)?.zone ?? null;
  const shared = (h: string): string | null => {
    const agg = aggregatesOf(h).find((a) => failedAggregates.some((f) => f.name === a.name));
    if (agg) return `aggregate ${agg.name}`;
    const zone = serviceOf(h)?.zone ?? null;
    return zone && zone === failedZone ? `availability zone ${zone}` : null;
  };
  const out: ReservedCandidate[] = [];
  for (const a of failedAggregates)
    for (const host of cfg.byAggregate[a.name] ?? [])
      out.push({ host, matchedBy: `reservedHosts.byAggregate["${a.name}"]` });
  for (const host of failedZone ? (cfg.byZone[failedZone] ?? []) : [])
    out.push({ host, matchedBy: `reservedHosts.byZone["${failedZone}"]` });
  for (const host of cfg.hosts) {
    const same = serviceOf(host) ? shared(host) : 'no service in Nova';
    if (same) out.push({ host, matchedBy: `reservedHosts.hosts (${same})` });
  }
  for (const s of services) {
    if (s.status !== 'disabled' || !s.disabledReason?.includes(cfg.disabledReasonMarker)) continue;
    const same = shared(s.host);
    if (same) out.push({ host: s.host, matchedBy: `marked "${cfg.disabledReasonMarker}" in Nova (${same})` });
  }
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.host) && seen.add(c.host));
}

/**
 * Whether a compute service is one of the configured spares (listed, or disabled with the marker):
 * capacity counts such a disabled host as room, since a recovery would enable it.
 */
export function isReservedHost(cfg: ReservedHostsConfig | undefined, service: ComputeService): boolean {
  if (!cfg || service.status !== 'disabled') return false;
  if (service.disabledReason?.includes(cfg.disabledReasonMarker)) return true;
  const listed = [...cfg.hosts, ...Object.values(cfg.byAggregate).flat(), ...Object.values(cfg.byZone).flat()];
  return listed.includes(service.host);
}

/** Why this reserved host cannot be enabled now, or null when it can. */
export function unusableReason(
  host: string,
  failedHost: string,
  service: ComputeService | undefined,
  marker: string,
): string | null {
  // S2: the failed host's state is never changed here, even when the config lists it as a spare.
  if (host === failedHost) return 'it is the failed host itself';
  if (!service) return `no nova-compute service named ${host} in Nova`;
  if (service.disabledReason && FENCED_BY_US.test(service.disabledReason))
    return `it was fenced by freezer-dr ("${service.disabledReason}")`;
  if (service.forcedDown) return 'it is forced down';
  if (service.status === 'enabled')
    return `it is enabled already, so it is not in the reserved pool (disable it with a reason containing "${marker}" to reserve it)`;
  if (service.state !== 'up') return 'its nova-compute is down';
  if (service.disabledReason && !service.disabledReason.includes(marker))
    return `it is disabled for another reason ("${service.disabledReason}"); only a host disabled with "${marker}" in its reason, or with no reason, is used`;
  return null;
}

/** The first usable reserved host for `failedHost`, every rejected candidate, and why none when none. Pure. */
export function chooseReservedHost(
  cfg: ReservedHostsConfig,
  failedHost: string,
  services: readonly ComputeService[],
  aggregates: readonly Aggregate[],
): ReservedChoice {
  const rejected: ReservedChoice['rejected'] = [];
  const candidates = reservedCandidates(cfg, failedHost, services, aggregates);
  for (const c of candidates) {
    const service = services.find((s) => s.host === c.host);
    const why = unusableReason(c.host, failedHost, service, cfg.disabledReasonMarker);
    if (why) {
      rejected.push({ host: c.host, reason: why });
      continue;
    }
    return {
      chosen: { ...c, serviceId: service!.id, disabledReason: service!.disabledReason },
      rejected,
      reason: null,
    };
  }
  const where = [
    `aggregates: ${
      aggregates
        .filter((a) => a.hosts.includes(failedHost))
        .map((a) => a.name)
        .join(', ') || 'none'
    }`,
    `zone: ${services.find((s) => s.host === failedHost)?.zone ?? 'unknown'}`,
  ].join('; ');
  const reason = candidates.length
    ? `no usable reserved host for ${failedHost}: ${rejected.map((r) => `${r.host} (${r.reason})`).join('; ')}`
    : `no reserved host matches ${failedHost} (${where})`;
  return { chosen: null, rejected, reason };
}

/**
 * Where an evacuation of this incident is sent: the reserved host it enabled in `target` mode;
 * nowhere (the scheduler chooses) in `scheduler` mode while a reserved host is in use, so that the
 * spare is one more candidate and not bypassed; otherwise `evacuation.targetHost` (usually unset:
 * the scheduler). `force` is never sent (we pin microversions where it no longer exists).
 */
export function targetFor(
  config: Pick<Config, 'evacuation'>,
  record: ReservedHostRecord | null | undefined,
): string | undefined {
  const inUse = config.evacuation.reservedHosts && record?.host && record.status === 'enabled' ? record : null;
  if (!inUse) return config.evacuation.targetHost;
  return inUse.mode === 'target' ? (inUse.host ?? undefined) : undefined;
}

/**
 * `targetFor` for the Evacuate step: reads the incident only when reserved hosts are configured,
 * so a cloud without them pays no extra store read per request.
 */
export async function evacuateTarget(
  config: Pick<Config, 'evacuation'>,
  readIncident: () => Promise<{ reservedHost?: ReservedHostRecord | null } | null | undefined>,
): Promise<string | undefined> {
  if (!config.evacuation.reservedHosts) return config.evacuation.targetHost;
  return targetFor(config, (await readIncident())?.reservedHost);
}
