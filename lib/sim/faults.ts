import type { BmcFaults, SimFaults } from './types.js';

export function createFaults(hosts: readonly string[]): SimFaults {
  const bmc: Record<string, BmcFaults> = {};
  for (const h of hosts) bmc[h] = { ignorePowerOff: false, unreachable: false, badCredentials: false };
  return {
    latencyMs: 0,
    nova: { failNext: 0, status: 503, timeoutNext: 0, loseResponseNext: 0 },
    keystone: { down: false, failNext: 0, status: 503 },
    noValidHostFor: new Set<string>(),
    bmc,
    prometheus: { mode: 'ok' },
    dark: new Set<string>(),
    placement: { mode: 'ok' },
  };
}

export function noValidHostFor(faults: SimFaults, instanceId: string): boolean {
  const f = faults.noValidHostFor;
  return typeof f === 'function' ? f(instanceId) : f.has(instanceId);
}

/** A host's BMC faults; tolerate a test that replaced the record or removed a key. */
export function bmcFaults(faults: SimFaults, host: string): BmcFaults {
  return faults.bmc[host] ?? { ignorePowerOff: false, unreachable: false, badCredentials: false };
}

export type NovaFaultAction = 'fail' | 'hang' | 'lose-response' | null;

/** Consume one Nova fault for this request, if any applies (failNext first, then timeoutNext, then loseResponseNext). */
export function takeNovaFault(faults: SimFaults, path: string): NovaFaultAction {
  const f = faults.nova;
  if (f.failPaths) {
    f.failPaths.lastIndex = 0;
    if (!f.failPaths.test(path)) return null;
  }
  if (f.failNext > 0) {
    f.failNext--;
    return 'fail';
  }
  if (f.timeoutNext > 0) {
    f.timeoutNext--;
    return 'hang';
  }
  if (f.loseResponseNext > 0) {
    f.loseResponseNext--;
    return 'lose-response';
  }
  return null;
}
