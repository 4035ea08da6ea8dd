/**
 * Duplicate triggers for one failure (S4): the monitor invoked again and again, all at once,
 * and operators running `freezer-dr recover` for the same host — exactly one execution, the
 * rest refused (exit code 4 for the CLI), zero double evacuations.
 */
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { runMonitorPass } from '../../lib/monitor/index.js';
import { spawnCli, type CliProcess } from './support/child.js';
import { busiestHost, isEvacuatePost, isResetPost, startRelEnv, until, type RelEnv, executor } from './support/env.js';
import { recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('duplicates', 'Duplicates');
beforeAll(() => recordFile());

let env: RelEnv | undefined;
const children: CliProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop('SIGKILL');
  await env?.stop();
  env = undefined;
});

const down = (e: RelEnv, host: string) =>
  until(`${host} reported down`, () =>
    e.sim.snapshot().services.some((s) => s.host === host && s.binary === 'nova-compute' && s.state === 'down'),
  );
const okPost = (r: { status: number }) => r.status >= 200 && r.status < 300;

/** Per instance: accepted evacuate POSTs and evacuation migrations (both must be ≤ 1). */
function evacuationsPerInstance(e: RelEnv): number[] {
  const posts = new Map<string, number>();
  for (const r of e.sim.requestLog.filter((x) => isEvacuatePost(x) && okPost(x)))
    posts.set(r.path, (posts.get(r.path) ?? 0) + 1);
  const migrations = new Map<string, number>();
  for (const m of e.sim.snapshot().migrations)
    migrations.set(m.instanceUuid, (migrations.get(m.instanceUuid) ?? 0) + 1);
  return [...posts.values(), ...migrations.values()];
}

describe('duplicates', () => {
  test('the monitor invoked 100 times during one incident, and a manual `recover` for the same host: one execution; the CLI is refused with exit 4', async () => {
    env = await startRelEnv({ sim: { rebuildMs: 5000 }, configPatch: (c) => (c.evacuation.concurrency = 10) });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await down(env, host);
    const x = executor(env);
    const first = await runMonitorPass(env.rt, x.start);
    expect(first.started.map((s) => [s.host, s.started])).toEqual([[host, true]]);
    const incidentId = first.started[0]!.incidentId;

    // An operator runs the real binary while the incident is open…
    const cli = spawnCli('recover (duplicate)', ['recover', '--host', host, '--config', env.configPath]);
    children.push(cli);
    // …and the monitor keeps firing.
    let inFlight = 0;
    for (let i = 0; i < 100; i++) {
      const pass = await runMonitorPass(env.rt, x.start);
      if (
        pass.decision.hosts.find((h) => h.host === host)?.verdict === 'in-flight' ||
        pass.decision.hosts.find((h) => h.host === host)?.verdict === 'fenced'
      )
        inFlight++;
      expect(pass.started).toEqual([]);
    }
    expect(inFlight).toBe(100);
    const refused = await cli.exited;
    // The refusal happened while the incident was still open, and names it.
    expect(TERMINAL.has((await env.rt.store.getIncident(incidentId))!.status)).toBe(false);
    expect(refused.code).toBe(4);
    expect(cli.stderr()).toContain(`error: host ${host} already has an open incident ${incidentId}`);
    expect(cli.stderr()).toContain(`hint: see it with: freezer-dr incidents ${incidentId}`);
    expect(cli.stderr()).not.toMatch(/\n\s+at /);

    const results = await Promise.all(x.executions.values());
    expect(x.executions.size).toBe(1);
    expect(x.attempts()).toBe(1);
    expect(results[0]!.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(incidentId))?.status).toBe('resolved');
    expect((await env.rt.store.listIncidents()).map((i) => i.id)).toEqual([incidentId]);
    expect(env.sim.requestLog.filter(isResetPost)).toHaveLength(1);
    expect(Math.max(...evacuationsPerInstance(env))).toBe(1);
    // Afterwards the host reads as fenced (forced down): never recovered again.
    const after = await runMonitorPass(env.rt, x.start);
    expect(after.decision.hosts.find((h) => h.host === host)?.verdict).toBe('fenced');
    expect(x.executions.size).toBe(1);
    await env.finish();
  });

  test('100 monitor passes at once, at the moment of failure: one incident, one execution', async () => {
    env = await startRelEnv({ sim: { rebuildMs: 300 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await down(env, host);
    const x = executor(env);
    const passes = await Promise.all(Array.from({ length: 100 }, () => runMonitorPass(env!.rt, x.start)));
    const started = passes.flatMap((p) => p.started.filter((s) => s.started));
    expect(started).toHaveLength(1);
    expect(x.executions.size).toBe(1);
    const [r] = await Promise.all(x.executions.values());
    expect(r!.status).toBe('SUCCEEDED');
    expect((await env.rt.store.listIncidents()).filter((i) => i.host === host)).toHaveLength(1);
    expect(env.sim.requestLog.filter(isResetPost)).toHaveLength(1);
    expect(Math.max(...evacuationsPerInstance(env))).toBe(1);
    await env.finish({ note: `${x.attempts()} start attempts, 1 execution` });
  });

  test('two operators run `freezer-dr recover` for the same host at the same time: one recovers (exit 0), the other is refused (exit 4)', async () => {
    env = await startRelEnv({ sim: { rebuildMs: 300 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    // --yes: right after the crash Nova may still have a fresh heartbeat (issue 12's guardrail).
    const a = spawnCli('recover A', ['recover', '--host', host, '--yes', '--config', env.configPath]);
    const b = spawnCli('recover B', ['recover', '--host', host, '--yes', '--config', env.configPath]);
    children.push(a, b);
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    expect([ra.code, rb.code].sort()).toEqual([0, 4]);
    const loser = ra.code === 4 ? a : b;
    const winner = ra.code === 4 ? b : a;
    expect(loser.stderr()).toMatch(
      new RegExp(`error: host ${host} already has an open incident inc-${host}-\\d{8}T\\d{6}Z`),
    );
    expect(winner.stdout()).toMatch(/status\s+resolved/);
    expect((await env.rt.store.listIncidents()).filter((i) => i.host === host)).toHaveLength(1);
    expect(env.sim.requestLog.filter(isResetPost)).toHaveLength(1);
    expect(Math.max(...evacuationsPerInstance(env))).toBe(1);
    await env.finish();
  });

  test('`recover` again after the incident closed: the host is already off and forced down; nothing is fenced or evacuated twice', async () => {
    env = await startRelEnv({ sim: { rebuildMs: 200 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    // Right after the crash Nova still has a fresh heartbeat: the operator says --yes (issue 12's guardrail).
    const first = await env.cli('recover', '--host', host, '--yes', '--config', env.configPath);
    expect(first.code).toBe(0);
    const second = await env.cli('recover', '--host', host, '--config', env.configPath);
    // A new incident for a host with nothing left on it: confirmed off (already off), nothing to move.
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/already off|was already off/);
    expect(env.sim.requestLog.filter(isResetPost)).toHaveLength(1);
    expect(Math.max(...evacuationsPerInstance(env))).toBe(1);
    await env.finish();
  });
});

const TERMINAL = new Set(['resolved', 'partial', 'timed-out', 'failed', 'fence-failed', 'dry-run']);

secretScanCase(['child process', 'cli', 'execution input', 'execution output', 'incident records', 'log', 'mail']);
