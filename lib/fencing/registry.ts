import type { BmcConfig, FencingConfig } from '../config/index.js';
import { resolveSecret } from '../config/index.js';
import { NoFencerConfiguredError } from './errors.js';
import type { Fencer, FencerFactory, ResolvedBmc } from './fencer.js';

/** Fencer drivers by config name, loaded only when a host uses them. One line per driver. */
const DRIVERS: Record<BmcConfig['driver'], () => Promise<FencerFactory>> = {
  redfish: async () => (await import('./redfish.js')).createRedfishFencer,
  ipmi: async () => (await import('./ipmi/index.js')).createIpmiFencer,
  manual: async () => (await import('./manual.js')).createManualFencer,
};

/** The BMC entry for a host: its own entry, else the first default whose glob matches. */
export function bmcConfigFor(fencing: FencingConfig, host: string): BmcConfig {
  const own = Object.hasOwn(fencing.hosts, host) ? fencing.hosts[host] : undefined;
  if (own) return own;
  for (const { match, ...bmc } of fencing.defaults) {
    if (globToRegExp(match).test(host)) return { ...bmc, address: bmc.address?.replaceAll('{host}', host) };
  }
  throw new NoFencerConfiguredError(`no BMC is configured for host ${host}`, {
    hint: 'add it under fencing.hosts or a fencing.defaults pattern',
  });
}

export async function createFencer(
  fencing: FencingConfig,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Fencer> {
  const bmc = bmcConfigFor(fencing, host);
  const resolved: ResolvedBmc = {
    ...bmc,
    host,
    password: bmc.password ? await resolveSecret(bmc.password, env) : undefined,
    requestTimeoutMs: fencing.requestTimeoutSeconds * 1000,
  };
  return (await DRIVERS[bmc.driver]())(resolved);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
