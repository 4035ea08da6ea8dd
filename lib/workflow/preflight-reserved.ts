import { unusableReason } from '../evacuation/index.js';
import { listAggregates, type ComputeService } from '../openstack/index.js';
import type { PreflightCheck } from './preflight.js';
import type { Runtime } from './runtime.js';

/**
 * The reserved pool (evacuation.reservedHosts), checked on a quiet day: every configured or
 * marked spare exists, is disabled as a spare, up and not forced down; every aggregate and zone
 * named in the config exists. A spare left enabled after a recovery (instances landed on it) is
 * reported here until it is returned to the pool.
 */
export async function reservedHostChecks(
  rt: Runtime,
  services: readonly ComputeService[],
  signal?: AbortSignal,
): Promise<PreflightCheck[]> {
  const cfg = rt.config.evacuation.reservedHosts;
  if (!cfg) return [];
  const aggregates = await listAggregates(rt.session, signal);
  const marker = cfg.disabledReasonMarker;
  const configured = [...cfg.hosts, ...Object.values(cfg.byAggregate).flat(), ...Object.values(cfg.byZone).flat()];
  const marked = services
    .filter((s) => s.status === 'disabled' && s.disabledReason?.includes(marker))
    .map((s) => s.host);
  const hosts = [...new Set([...configured, ...marked])];
  const check = (target: string, problem: string | null, fine: string): PreflightCheck => ({
    check: 'reserved-host',
    target,
    ok: problem === null,
    detail: problem ?? fine,
  });
  const zones = new Set(services.map((s) => s.zone).filter((z): z is string => !!z));
  return [
    ...hosts.map((h) => {
      const s = services.find((x) => x.host === h);
      const fine = `in the pool: disabled${s?.disabledReason ? ` ("${s.disabledReason}")` : ''}, up`;
      return check(h, unusableReason(h, '', s, marker), fine);
    }),
    ...Object.keys(cfg.byAggregate).map((name) =>
      check(
        `aggregate ${name}`,
        aggregates.some((a) => a.name === name) ? null : `no aggregate named ${name} in Nova`,
        `${aggregates.find((a) => a.name === name)?.hosts.length ?? 0} host(s)`,
      ),
    ),
    ...Object.keys(cfg.byZone).map((zone) =>
      check(`zone ${zone}`, zones.has(zone) ? null : `no compute host in availability zone ${zone}`, 'exists'),
    ),
    ...(hosts.length ? [] : [check('pool', 'no host in the reserved pool: none configured, none marked', '')]),
  ];
}
