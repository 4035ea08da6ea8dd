import { resolveSecret, type BmcConfig, type FencingConfig } from '../config/index.js';
import { NoFencerConfiguredError } from './errors.js';
import type { Fencer, ResolvedBmc } from './fencer.js';

/** The BMC entry for a host: its own entry, else the first default whose glob matches. */
export function bmcConfigFor(fencing: FencingConfig, host: string): BmcConfig {
  const own = Object.hasOwn(fencing.hosts, host) ? fencing.hosts[host] : undefined;
  if (own) return own;
  for (const { match, ...bmc } of fencing.defaults) {
    if (!globToRegExp(match).test(host)) continue;
    return bmc.driver === 'manual' ? bmc : { ...bmc, address: bmc.address.replaceAll('{host}', host) };
  }
  throw new NoFencerConfiguredError(`no BMC is configured for host ${host}`, {
    hint: 'add it under fencing.hosts or a fencing.defaults pattern',
  });
}

export async function resolveBmc(
  fencing: FencingConfig,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedBmc> {
  const bmc = bmcConfigFor(fencing, host);
  const timeouts = {
    host,
    requestTimeoutMs: fencing.requestTimeoutSeconds * 1000,
    operationTimeoutMs: Math.max(fencing.operationTimeoutSeconds, fencing.requestTimeoutSeconds) * 1000,
  };
  if (bmc.driver === 'manual') return { ...bmc, ...timeouts };
  const password = bmc.password ? await resolveSecret(bmc.password, env) : undefined;
  if (bmc.driver === 'redfish') return { ...bmc, ...timeouts, password };
  const kg = bmc.kg ? await resolveSecret(bmc.kg, env) : undefined;
  return { ...bmc, ...timeouts, password, kg };
}

export async function createFencer(
  fencing: FencingConfig,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Fencer> {
  const bmc = await resolveBmc(fencing, host, env);
  // Drivers are loaded only when a host uses them, so nobody loads code they do not need.
  switch (bmc.driver) {
    case 'redfish':
      return (await import('./redfish.js')).createRedfishFencer(bmc);
    case 'ipmi':
      return (await import('./ipmi/index.js')).createIpmiFencer(bmc);
    case 'manual':
      return (await import('./manual.js')).createManualFencer(bmc);
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
