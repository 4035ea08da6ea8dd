import { noValidHostFor } from './faults.js';
import { serviceIsUp } from './hosts.js';
import type { CloudState, ServerRec } from './state.js';

/**
 * A tiny filter scheduler: ComputeFilter (service up per the servicegroup and enabled — which a
 * crashed host still passes until service_down_time runs out, as in Nova), the source excluded,
 * a per-host instance cap; then spread (fewest instances first, host order on ties).
 * Returns undefined for NoValidHost.
 */
export function pickDestination(
  state: CloudState,
  server: ServerRec,
  source: string,
  requestedHost?: string,
): string | undefined {
  if (noValidHostFor(state.faults, server.id)) return undefined;
  const load = (host: string): number => {
    let n = 0;
    for (const s of state.servers.values()) if (s.host === host && s.id !== server.id) n++;
    for (const [id, e] of state.evacuations) if (e.dest === host && id !== server.id) n++;
    return n;
  };
  const candidates = state.services
    .filter((svc) => svc.binary === 'nova-compute' && svc.host !== source && !svc.disabled && serviceIsUp(state, svc))
    .filter((svc) => requestedHost === undefined || svc.host === requestedHost)
    .map((svc) => ({ host: svc.host, load: load(svc.host), order: state.opts.hosts.indexOf(svc.host) }))
    .filter((c) => c.load < state.opts.maxInstancesPerHost)
    .sort((a, b) => a.load - b.load || a.order - b.order);
  return candidates[0]?.host;
}
