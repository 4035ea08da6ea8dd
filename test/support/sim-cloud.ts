import type { SimCloud } from '../../lib/sim/index.js';

/**
 * The `cloud:` section of a config that talks to a simulated cloud as its admin. The password is
 * a secret reference (`env:NAME`): the caller puts `sim.admin.password` in that variable.
 */
export function simCloud(sim: SimCloud, passwordRef: string) {
  return {
    from: 'inline' as const,
    authUrl: sim.authUrl,
    regionName: sim.regionName,
    auth: {
      type: 'password' as const,
      username: sim.admin.username,
      password: passwordRef,
      projectName: sim.admin.projectName,
    },
  };
}
