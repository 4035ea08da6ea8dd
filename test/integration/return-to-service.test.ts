import { afterEach, describe, expect, test } from '@jest/globals';
import { returnToService } from '../../lib/workflow/return-to-service.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('return to service (S2: only on request, only in order)', () => {
  test('power on → cleanup → un-force → up → enable, in that order', async () => {
    env = await startRecoveryEnv({ sim: { hostBootMs: 200 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const mark = env.sim.requestLog.length;
    const lines: string[] = [];
    const s = await returnToService(env.rt, host, { timeoutMs: 10_000, pollMs: 100, progress: (l) => lines.push(l) });
    expect(s).toMatchObject({ state: 'up', status: 'enabled', forcedDown: false });
    expect(env.sim.powerState(host)).toBe('On');
    for (const m of env.sim.snapshot().migrations) expect(m.status).toBe('completed');

    // The PUTs after the recovery: first un-force, then enable — never enable while forced/down.
    const puts = env.sim.requestLog
      .slice(mark)
      .filter((x) => x.service === 'nova' && x.method === 'PUT' && x.status === 200);
    expect(puts).toHaveLength(2);
    const text = lines.join('\n');
    expect(text.indexOf('powered on')).toBeLessThan(text.indexOf('cleaned up'));
    expect(text.indexOf('cleaned up')).toBeLessThan(text.indexOf('no longer forced down'));
    expect(text.indexOf('no longer forced down')).toBeLessThan(text.indexOf('is up'));
    expect(text.indexOf('is up')).toBeLessThan(text.indexOf('enabled'));
  });

  test('a nova-compute that dies right after its clean-up is not taken for up: nothing is enabled', async () => {
    // Nova still reads the service up on its last heartbeat (younger than service_down_time);
    // only a heartbeat after the un-force counts.
    env = await startRecoveryEnv({ sim: { hostBootMs: 200, reportIntervalMs: 500, serviceDownTimeMs: 10_000 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    expect((await env.recover(host)).status).toBe('SUCCEEDED');
    const mark = env.sim.requestLog.length;
    const lines: string[] = [];
    const progress = (line: string) => {
      lines.push(line);
      if (line.includes('cleaned up the evacuated instances')) env!.sim.crashHost(host);
    };
    await expect(
      returnToService(env.rt, host, { timeoutMs: 2500, pollMs: 100, progressEveryMs: 0, progress }),
    ).rejects.toThrow(/nova-compute on .* to report up .*no heartbeat since/);
    // The wait was never silent: it said what it waited for, and kept saying it.
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^waiting for nova-compute on ${host} to report up: up, but no heartbeat since`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^still waiting for nova-compute on ${host} to report up \\(\\d+ s\\): `)),
    );
    const puts = env.sim.requestLog
      .slice(mark)
      .filter((x) => x.service === 'nova' && x.method === 'PUT' && x.status === 200);
    expect(puts).toHaveLength(1); // the un-force; never the enable
    expect(env.sim.snapshot().services.find((x) => x.host === host && x.binary === 'nova-compute')).toMatchObject({
      status: 'disabled',
    });
  });

  test('refused while the host still has an open incident', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const now = new Date().toISOString();
    await env.rt.store.createIncident({
      id: 'inc-open',
      host,
      status: 'evacuating',
      reason: 'x',
      requestedBy: 't',
      detectedAt: now,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      dryRun: false,
      fence: null,
      isolation: null,
      plan: null,
      error: null,
      notifications: [],
    });
    await expect(
      returnToService(env.rt, host, { timeoutMs: 1000, pollMs: 50, progress: () => undefined }),
    ).rejects.toThrow(/already has an open incident/);
    expect(env.sim.requestLog.filter((x) => x.method !== 'GET' && x.service !== 'keystone')).toEqual([]);
  });
});
