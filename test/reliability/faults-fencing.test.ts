/**
 * Faults on the fencing path: every BMC failure ends with the host NOT confirmed off, nothing
 * changed in Nova, nothing evacuated (S1), the incident closed as fence-failed with the reason,
 * and the admins told.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { resolveSecret } from '../../lib/config/secrets.js';
import { bmcConfigFor } from '../../lib/fencing/registry.js';
import { createIpmiFencer } from '../../lib/fencing/ipmi/index.js';
import { hasIpmiSim, startIpmiSim, stopAllIpmiSims, type IpmiSim } from '../support/ipmi-sim.js';
import { addSecret, collect } from './support/corpus.js';
import { busiestHost, isEvacuatePost, startRelEnv, type RelEnv } from './support/env.js';
import { recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('faults', 'Faults: fencing');
beforeAll(() => recordFile());

let env: RelEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});
afterAll(async () => {
  await stopAllIpmiSims();
});

const novaWrites = (e: RelEnv) => e.sim.requestLog.filter((r) => r.service === 'nova' && r.method !== 'GET');

/** The common ending of a fence failure: S1 held, the incident says why, the admins were told. */
async function expectFenceFailed(
  e: RelEnv,
  r: { status: string; error?: { Error: string }; incidentId: string },
  errorName: string,
  message: RegExp,
): Promise<void> {
  expect(r.status).toBe('FAILED');
  expect(r.error?.Error).toBe('FenceNotConfirmed');
  expect(novaWrites(e)).toEqual([]);
  expect(e.sim.requestLog.filter(isEvacuatePost)).toEqual([]);
  const incident = await e.rt.store.getIncident(r.incidentId);
  expect(incident?.status).toBe('fence-failed');
  expect(incident?.fence).toBeNull();
  expect(incident?.error?.name).toBe(errorName);
  expect(incident?.error?.message).toMatch(message);
  const mail = e.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'));
  expect(mail).toBeDefined();
  const text = (await simpleParser(mail!.raw)).text ?? '';
  expect(text).toMatch(/not confirmed/i);
  expect((await e.cli('incidents', r.incidentId, '--config', e.configPath)).out).toMatch(/fence\s+NOT confirmed/);
}

describe('fault: the BMC', () => {
  test('BMC unreachable: not fenced, nothing evacuated, the reason names the BMC', async () => {
    env = await startRelEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.unreachable = true;
    const r = await env.recover(host);
    await expectFenceFailed(
      env,
      r,
      'BmcUnreachableError',
      new RegExp(`BMC ${env.sim.bmc(host).url.replace(/[.:/]/g, '\\$&')} did not answer`),
    );
    expect(env.sim.powerState(host)).toBe('On');
    await env.finish();
  });

  test('wrong BMC password: BmcAuthError naming the user, never the password', async () => {
    env = await startRelEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.badCredentials = true;
    const r = await env.recover(host);
    await expectFenceFailed(env, r, 'BmcAuthError', /authentication failed for user \S+ at BMC/);
    // Auth errors are not retried: one refused request, then the run gave up.
    expect(env.sim.requestLog.filter((x) => x.service === 'redfish' && x.status === 401).length).toBeLessThanOrEqual(2);
    await env.finish();
  });

  test('BMC acknowledges power-off but the host stays on: PowerOffTimeoutError, nothing evacuated', async () => {
    env = await startRelEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.ignorePowerOff = true;
    const r = await env.recover(host);
    await expectFenceFailed(env, r, 'PowerOffTimeoutError', /still reads power on .* NOT confirmed off/);
    expect(env.sim.powerState(host)).toBe('On');
    await env.finish();
  });

  test('a slow BMC (the host reads PoweringOff for 1.5 s): nothing is evacuated before it reads Off', async () => {
    env = await startRelEnv({
      sim: { redfish: { powerOffDelayMs: 1500 } },
      configPatch: (c) => (c.fencing.powerTimeoutSeconds = 5),
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('resolved');
    // It took many status reads: PoweringOff is not off (S1).
    expect(incident?.fence?.attempts).toBeGreaterThan(5);
    expect(env.sim.requestLog.filter(isEvacuatePost).length).toBeGreaterThan(0);
    await env.finish();
  });

  test('Redfish latency beyond the request timeout: the BMC "times out", nothing evacuated', async () => {
    env = await startRelEnv({ configPatch: (c) => (c.fencing.requestTimeoutSeconds = 0.3) });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    // Latency applies to every simulated API: Keystone and Nova still answer within their 5 s.
    env.sim.faults.latencyMs = 600;
    const r = await env.recover(host);
    env.sim.faults.latencyMs = 0;
    await expectFenceFailed(env, r, 'BmcUnreachableError', /did not answer GET \S+: timed out after 300 ms/);
    expect(env.sim.powerState(host)).toBe('On');
    await env.finish();
  });

  // Debian's ipmi_sim (package openipmi): skipped locally without it, required in CI (.ci/run installs it).
  if (!hasIpmiSim() && process.env.CI)
    throw new Error('CI must install the Debian package openipmi (ipmi_sim) for the IPMI reliability case');
  const ipmi = hasIpmiSim() ? test : test.skip;
  ipmi(
    'IPMI: ipmi_sim killed mid-session (after RAKP, before the status answer): not fenced, host still on',
    async () => {
      const bmc: IpmiSim = await startIpmiSim({
        users: [{ name: 'fence', password: 'ipmi-s3cret-pw', privilege: 'admin' }],
      });
      addSecret('BMC password (ipmi)', bmc.password);
      let killedAt = -1;
      let datagrams = 0;
      env = await startRelEnv({
        hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'],
        configPatch: (c) => {
          process.env.FDR_REL_IPMI_PW = bmc.password;
          c.fencing.hosts['compute-1'] = {
            driver: 'ipmi',
            address: bmc.address,
            username: bmc.username,
            password: 'env:FDR_REL_IPMI_PW',
            cipherSuites: [3],
          };
          c.fencing.requestTimeoutSeconds = 1;
        },
        runtime: (config) => ({
          // The real IPMI driver with its real settings, watched packet by packet.
          fencerFor: async (host) => {
            const b = bmcConfigFor(config.fencing, host);
            const password = b.password ? await resolveSecret(b.password) : undefined;
            return createIpmiFencer(
              { ...b, host, password, requestTimeoutMs: config.fencing.requestTimeoutSeconds * 1000 },
              {
                observer: {
                  sent(d) {
                    datagrams++;
                    // RMCP+ (auth type 6) carrying an IPMI message = inside an established session.
                    if (killedAt < 0 && d[4] === 0x06 && (d[5]! & 0x3f) === 0x00) {
                      killedAt = datagrams;
                      void bmc.kill();
                    }
                  },
                },
              },
            );
          },
        }),
      });
      env.sim.crashHost('compute-1');
      const r = await env.recover('compute-1');
      expect(killedAt).toBeGreaterThan(1);
      await expectFenceFailed(env, r, 'BmcUnreachableError', /no answer from BMC 127\.0\.0\.1:\d+/);
      // The ground truth: the host behind the dead BMC never lost power.
      expect(bmc.isPoweredOn()).toBe(true);
      collect('ipmi', `${bmc.address}`);
      await env.finish();
      await bmc.stop();
    },
  );
});

secretScanCase(['cli', 'events', 'execution input', 'execution output', 'incident records', 'log', 'mail', 'metrics']);
