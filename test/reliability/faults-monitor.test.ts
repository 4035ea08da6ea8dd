/**
 * Faults the monitor must read correctly: everything stale at once (all-stale gate), more
 * failures than the storm limit (storm gate), host names that are prefixes of each other (S3),
 * and a cloud whose clock is ±10 minutes off ours (heartbeats are read against Nova's Date).
 */
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { runMonitorPass } from '../../lib/monitor/index.js';
import { isResetPost, startRelEnv, until, type RelEnv, executor } from './support/env.js';
import { recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('faults', 'Faults: monitor and gates');
beforeAll(() => recordFile());

let env: RelEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const down = (e: RelEnv, hosts: string[]) =>
  until(`${hosts.join(', ')} reported down`, () =>
    hosts.every((h) =>
      e.sim.snapshot().services.some((s) => s.host === h && s.binary === 'nova-compute' && s.state === 'down'),
    ),
  );

describe("fault: the monitor's view", () => {
  test('all services stale at once: all-stale gate, nothing fenced, the admins told once', async () => {
    env = await startRelEnv();
    for (const h of env.sim.hosts) env.sim.crashHost(h);
    await down(env, env.sim.hosts);
    const x = executor(env);
    for (let i = 0; i < 3; i++) {
      const pass = await runMonitorPass(env.rt, x.start);
      expect(pass.decision.gates.map((g) => g.gate)).toEqual(['all-stale']);
      expect(pass.decision.gates[0]!.reason).toMatch(
        /6 of 6 compute services look down or stale at once .* a control-plane or network problem, not host failures; fencing nothing/,
      );
    }
    expect(x.attempts()).toBe(0);
    expect(env.sim.requestLog.filter(isResetPost)).toEqual([]);
    expect(env.smtp.messages.filter((m) => /all-stale gate/.test(m.raw))).toHaveLength(1);
    const check = await env.cli('check', '--config', env.configPath);
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/GATE all-stale: 6 of 6/);
    await env.finish({ noFence: env.sim.hosts });
  });

  test('2 of 6 hosts down with a storm limit of 1: storm gate, nothing fenced; once one is back, the other is recovered', async () => {
    env = await startRelEnv({ configPatch: (c) => (c.monitor.gates = { maxFailedHosts: 1 }) });
    env.sim.crashHost('compute-1');
    env.sim.crashHost('compute-2');
    await down(env, ['compute-1', 'compute-2']);
    const x = executor(env);
    for (let i = 0; i < 3; i++) {
      const pass = await runMonitorPass(env.rt, x.start);
      expect(pass.decision.gates.map((g) => g.gate)).toEqual(['storm']);
      expect(pass.decision.gates[0]!.reason).toMatch(
        // Issue 12: the storm gate counts recent recoveries (a window), no longer every fenced host.
        /2 new failure\(s\) \(compute-1, compute-2\) \+ 0 suspect \+ 0 recovered or in recovery within 600 s = 2 of 6 hosts \(33%\), beyond the limit of 1 host\(s\)/,
      );
    }
    expect(x.attempts()).toBe(0);
    expect(env.sim.requestLog.filter(isResetPost)).toEqual([]);
    expect(env.smtp.messages.filter((m) => /storm gate/.test(m.raw))).toHaveLength(1);

    env.sim.restartHost('compute-2');
    await until('compute-2 up again', () =>
      env!.sim.snapshot().services.some((s) => s.host === 'compute-2' && s.state === 'up'),
    );
    const pass = await runMonitorPass(env.rt, x.start);
    expect(pass.decision.gates).toEqual([]);
    expect(pass.started.map((s) => s.host)).toEqual(['compute-1']);
    const [r] = await Promise.all(x.executions.values());
    expect(r!.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r!.incidentId))?.status).toBe('resolved');
    await env.finish({ noFence: ['compute-2', 'compute-3', 'compute-4', 'compute-5', 'compute-6'] });
  });
});

describe('fault: host names that are prefixes of each other (S3)', () => {
  const hosts = ['compute-1', 'compute-10', 'compute-2', 'compute-3'];

  for (const [victim, neighbour] of [
    ['compute-1', 'compute-10'],
    ['compute-10', 'compute-1'],
  ] as const) {
    test(`recovering ${victim} never touches ${neighbour}: not its BMC, not its service, not its instances`, async () => {
      env = await startRelEnv({ hosts });
      const theirs = env.before.servers.filter((s) => s.host === neighbour);
      expect(theirs.length).toBeGreaterThan(0);
      env.sim.crashHost(victim);
      await down(env, [victim]);
      const x = executor(env);
      const pass = await runMonitorPass(env.rt, x.start);
      expect(pass.started.map((s) => s.host)).toEqual([victim]);
      const [r] = await Promise.all(x.executions.values());
      expect(r!.status).toBe('SUCCEEDED');
      const records = await env.rt.store.listInstances(r!.incidentId);
      expect(records.length).toBeGreaterThan(0);
      expect(records.every((rec) => rec.sourceHost === victim)).toBe(true);
      for (const s of theirs) {
        expect(records.some((rec) => rec.instanceId === s.id)).toBe(false);
        expect(env.sim.snapshot().servers.find((x2) => x2.id === s.id)?.host).toBe(neighbour);
      }
      expect(
        env.sim.requestLog.filter((q) => q.service === 'redfish' && q.host === neighbour && q.method !== 'GET'),
      ).toEqual([]);
      const svc = env.sim.snapshot().services.find((s) => s.host === neighbour && s.binary === 'nova-compute')!;
      expect(svc).toMatchObject({ forcedDown: false, status: 'enabled', power: 'On' });
      await env.finish({ noFence: [neighbour] });
    });
  }
});

describe('fault: clock skew', () => {
  // Without a Date header (Debian's uwsgi nova-api), ages are read against the freshest heartbeat.
  for (const [minutes, dateHeader] of [
    [10, true],
    [-10, true],
    [10, false],
    [-10, false],
  ] as const) {
    test(`the cloud's clock ${minutes > 0 ? '+' : ''}${minutes} min from ours${dateHeader ? '' : ', no Date header'}: a healthy cloud reads healthy, a real crash is still detected and recovered`, async () => {
      env = await startRelEnv({ sim: { clockSkewMs: minutes * 60_000, dateHeader } });
      const x = executor(env);
      for (let i = 0; i < 3; i++) {
        const pass = await runMonitorPass(env.rt, x.start);
        expect(pass.decision.clock).toBe(dateHeader ? 'server' : 'heartbeat');
        expect(pass.decision.gates).toEqual([]);
        expect(pass.decision.hosts.map((h) => h.verdict)).toEqual(env.sim.hosts.map(() => 'healthy'));
        for (const h of pass.decision.hosts) expect(h.heartbeatAgeSeconds).toBeLessThanOrEqual(1);
      }
      expect(x.attempts()).toBe(0);
      // The check command says the same, with heartbeat ages measured on Nova's clock.
      const check = await env.cli('check', '--config', env.configPath, '--json');
      expect(check.code).toBe(0);

      env.sim.crashHost('compute-3');
      await down(env, ['compute-3']);
      const pass = await runMonitorPass(env.rt, x.start);
      expect(pass.started.map((s) => s.host)).toEqual(['compute-3']);
      const [r] = await Promise.all(x.executions.values());
      expect(r!.status).toBe('SUCCEEDED');
      expect((await env.rt.store.getIncident(r!.incidentId))?.status).toBe('resolved');
      expect(env.sim.requestLog.filter(isResetPost).map((q) => q.host)).toEqual(['compute-3']);
      await env.finish({ noFence: env.sim.hosts.filter((h) => h !== 'compute-3') });
    });
  }
});

describe('computes heartbeating in phase, no Date header', () => {
  test("ages move on between heartbeats: each pass carries the last one's bound of the cloud's time", async () => {
    env = await startRelEnv({
      sim: { dateHeader: false, heartbeatsInPhase: true, reportIntervalMs: 20_000, serviceDownTimeMs: 60_000 },
    });
    const x = executor(env);
    const first = await runMonitorPass(env.rt, x.start);
    expect(first.decision.clock).toBe('heartbeat');
    // Every heartbeat is the freshest one: read against it alone, every age is 0.
    for (const h of first.decision.hosts) expect(h.heartbeatAgeSeconds).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    // No compute has reported since (next report in ~18 s), yet 1.5 s have passed on every clock.
    const second = await runMonitorPass(env.rt, x.start);
    for (const h of second.decision.hosts) expect(h.heartbeatAgeSeconds).toBeGreaterThanOrEqual(1);
    expect(second.decision.hosts.every((h) => h.verdict === 'healthy')).toBe(true);
    expect(x.attempts()).toBe(0);
    await env.finish({ noFence: env.sim.hosts });
  });
});

secretScanCase(['cli', 'execution input', 'execution output', 'incident records', 'log', 'mail']);
