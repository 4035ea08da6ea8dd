import type { SimOptions } from './types.js';

/** Every option with its default applied: the rest of the sim never sees `undefined`. */
export interface ResolvedOptions {
  hosts: string[];
  reportIntervalMs: number;
  heartbeatsInPhase: boolean;
  serviceDownTimeMs: number;
  rebuildMs: number;
  evacuationFinishLagMs: number;
  tokenTtlMs: number;
  clockSkewMs: number;
  dateHeader: boolean;
  maxMicroversion: string;
  maxInstancesPerHost: number;
  sharedStorage: boolean;
  hostBootMs: number;
  rpcTimeoutMs: number;
  powerOffDelayMs: number;
  powerOnDelayMs: number;
  redfishTls?: { key: string | Buffer; cert: string | Buffer };
}

/** Nova 26 (Zed), the release FACTS.md was measured on. */
export const ZED_MAX_MICROVERSION = '2.93';

export function resolveOptions(opts: SimOptions = {}): ResolvedOptions {
  const hosts = resolveHosts(opts.hosts);
  const resolved: ResolvedOptions = {
    hosts,
    reportIntervalMs: positive('reportIntervalMs', opts.reportIntervalMs ?? 1000),
    heartbeatsInPhase: opts.heartbeatsInPhase ?? false,
    serviceDownTimeMs: positive('serviceDownTimeMs', opts.serviceDownTimeMs ?? 6000),
    rebuildMs: nonNegative('rebuildMs', opts.rebuildMs ?? 1500),
    evacuationFinishLagMs: nonNegative('evacuationFinishLagMs', opts.evacuationFinishLagMs ?? 0),
    tokenTtlMs: positive('tokenTtlMs', opts.tokenTtlMs ?? 3_600_000),
    clockSkewMs: opts.clockSkewMs ?? 0,
    dateHeader: opts.dateHeader ?? true,
    maxMicroversion: opts.maxMicroversion ?? ZED_MAX_MICROVERSION,
    maxInstancesPerHost: positive('maxInstancesPerHost', opts.maxInstancesPerHost ?? 10),
    sharedStorage: opts.sharedStorage ?? false,
    hostBootMs: nonNegative('hostBootMs', opts.hostBootMs ?? 1000),
    rpcTimeoutMs: nonNegative('rpcTimeoutMs', opts.rpcTimeoutMs ?? 60_000),
    powerOffDelayMs: nonNegative('redfish.powerOffDelayMs', opts.redfish?.powerOffDelayMs ?? 300),
    powerOnDelayMs: nonNegative('redfish.powerOnDelayMs', opts.redfish?.powerOnDelayMs ?? 300),
  };
  if (opts.redfish?.tls) resolved.redfishTls = opts.redfish.tls;
  if (!/^2\.\d+$/.test(resolved.maxMicroversion))
    throw new Error(`sim: maxMicroversion must look like "2.93", got ${resolved.maxMicroversion}`);
  return resolved;
}

function resolveHosts(hosts: SimOptions['hosts']): string[] {
  const list = Array.isArray(hosts) ? [...hosts] : Array.from({ length: hosts ?? 6 }, (_, i) => `compute-${i + 1}`);
  if (list.length === 0) throw new Error('sim: at least one compute host is needed');
  if (new Set(list).size !== list.length) throw new Error('sim: compute host names must be unique');
  for (const h of list) {
    // Nova host names end up in URLs and service records; keep them to what Nova accepts.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(h)) throw new Error(`sim: invalid host name ${JSON.stringify(h)}`);
  }
  return list;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`sim: ${name} must be a positive number, got ${v}`);
  return v;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`sim: ${name} must be zero or more, got ${v}`);
  return v;
}
