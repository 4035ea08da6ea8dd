import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { hasIpmiSim, startIpmiSim, stopAllIpmiSims, type IpmiSim } from '../support/ipmi-sim.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

const available = hasIpmiSim();
if (!available && process.env.CI) throw new Error('CI must install openipmi for the IPMI recovery tests');
const maybe = available ? describe : describe.skip;

let env: RecoveryEnv | undefined;
let bmc: IpmiSim | undefined;
afterEach(async () => {
  await env?.stop();
  await bmc?.stop();
  env = undefined;
  bmc = undefined;
});
afterAll(async () => {
  await stopAllIpmiSims();
});

/** The busiest simulated host gets a real IPMI BMC (Debian's ipmi_sim) instead of its Redfish one. */
async function envWithIpmiBmc(opts: { ignorePowerOff?: boolean } = {}): Promise<string> {
  const b = (bmc = await startIpmiSim(opts));
  process.env.FDR_TEST_IPMI_PASSWORD = b.password;
  let victim = '';
  env = await startRecoveryEnv({
    configPatch: (c, sim) => {
      victim = busiestHost(sim);
      const fencing = c.fencing as {
        hosts: Record<string, unknown>;
        powerTimeoutSeconds: number;
        pollIntervalSeconds: number;
      };
      // ipmi_sim powers off on its 1 s tick; give it a few.
      fencing.powerTimeoutSeconds = 5;
      fencing.pollIntervalSeconds = 0.1;
      fencing.hosts[victim] = {
        driver: 'ipmi',
        address: b.address,
        username: b.username,
        password: 'env:FDR_TEST_IPMI_PASSWORD',
      };
    },
  });
  return victim;
}

maybe('recovery fencing through IPMI (ipmi_sim)', () => {
  test('fences via IPMI, confirms off, and only then isolates and evacuates', async () => {
    const host = await envWithIpmiBmc();
    env!.sim.crashHost(host);
    const result = await env!.recover(host);
    expect(result.status).toBe('SUCCEEDED');
    const incident = await env!.rt.store.getIncident(result.incidentId);
    expect(incident?.fence).toMatchObject({ fenced: true, method: 'ipmi' });
    await bmc!.waitForPower('off', 2000);
    expect(bmc!.isPoweredOn()).toBe(false);
    // Nothing in Nova changed before the power-off was confirmed.
    const confirmed = new Date(incident!.fence!.confirmedAt).getTime();
    const events = await env!.rt.store.listEvents(result.incidentId);
    const firstChange = events.find((e) => e.step === 'isolate' || e.step === 'evacuate');
    expect(new Date(firstChange!.at).getTime()).toBeGreaterThanOrEqual(confirmed);
    expect(incident?.status).toBe('resolved');
  });

  test('S1: an IPMI BMC that acknowledges power-off but stays on stops the run before any evacuation', async () => {
    const host = await envWithIpmiBmc({ ignorePowerOff: true });
    env!.sim.crashHost(host);
    const result = await env!.recover(host);
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('FenceNotConfirmed');
    expect(env!.sim.requestLog.filter((r) => r.method === 'POST' && r.path.includes('/action'))).toHaveLength(0);
    expect(env!.sim.requestLog.filter((r) => r.service === 'nova' && r.method === 'PUT')).toHaveLength(0);
    expect(bmc!.isPoweredOn()).toBe(true);
    expect((await env!.rt.store.getIncident(result.incidentId))?.status).toBe('fence-failed');
  });
});
