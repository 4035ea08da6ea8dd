import { afterEach, describe, expect, test } from '@jest/globals';
import { taskHandlers } from '../../functions/index.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { disableService } from '../../lib/openstack/index.js';
import { defaultSeed, type SimAggregate, type SimCloud } from '../../lib/sim/index.js';
import { runLocalExecution, type HistoryEvent } from '../../lib/workflow/local-runner.js';
import { capacityDeps, planReport, prepareTargetsStep, runPreflight } from '../../lib/workflow/index.js';
import { runCapacity } from '../../lib/capacity/index.js';
import { FAST } from '../support/timing.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

/**
 * Reserved hosts (evacuation.reservedHosts) and the post-fence delay, on the real state machine
 * against the simulated cloud. Four hosts: rack-a (az-1) holds compute-1..3, rack-b (az-2)
 * compute-4; compute-1 fails. compute-3 is the spare, disabled with the marker before the run.
 */

const MARKER = 'freezer-dr:reserved';
const HOSTS = ['compute-1', 'compute-2', 'compute-3', 'compute-4'];
const AGGREGATES: SimAggregate[] = [
  { name: 'rack-a', availabilityZone: 'az-1', hosts: ['compute-1', 'compute-2', 'compute-3'], metadata: {} },
  { name: 'rack-b', availabilityZone: 'az-2', hosts: ['compute-4'], metadata: {} },
];

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function start(
  reservedHosts: object | undefined,
  opts: { sim?: NonNullable<Parameters<typeof startRecoveryEnv>[0]>['sim']; evacuation?: object } = {},
): Promise<RecoveryEnv> {
  const e = await startRecoveryEnv({
    hosts: HOSTS,
    sim: { maxInstancesPerHost: 20, ...opts.sim },
    configPatch: (c) => {
      c.evacuation = {
        ...(c.evacuation as object),
        ...(reservedHosts ? { reservedHosts } : {}),
        ...opts.evacuation,
      };
    },
  });
  e.sim.setAggregates(AGGREGATES);
  return e;
}

const serviceOf = (sim: SimCloud, host: string) =>
  sim.snapshot().services.find((s) => s.host === host && s.binary === 'nova-compute')!;

/** Put a host in the reserved pool the way an operator does: disable it with the marker (PUT /os-services/{id}, 2.53). */
async function reserve(e: RecoveryEnv, host: string, reason = `${MARKER} (spare of rack-a)`): Promise<void> {
  await disableService(e.rt.session, serviceOf(e.sim, host).id, reason);
}

const novaWrites = (e: RecoveryEnv) =>
  e.sim.requestLog
    .map((r, i) => ({ ...r, i }))
    .filter((r) => r.service === 'nova' && (r.method === 'PUT' || (r.method === 'POST' && r.path.includes('/action'))));
const putsTo = (e: RecoveryEnv, host: string) =>
  novaWrites(e).filter((r) => r.method === 'PUT' && r.path.includes(serviceOf(e.sim, host).id));
// Locks (2.73) share the /action path: only the evacuate requests.
const evacuatePosts = (e: RecoveryEnv) =>
  novaWrites(e).filter((r) => r.method === 'POST' && r.body?.includes('"evacuate"'));

async function recover(e: RecoveryEnv, host: string, timing = FAST, history?: HistoryEvent[]) {
  const incidentId = incidentIdFor(host, new Date());
  const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
  const run = await runLocalExecution(incidentId, input, { handlers: taskHandlers, ...timing, history });
  const incident = await e.rt.store.getIncident(incidentId);
  const records = await e.rt.store.listInstances(incidentId);
  const timeline = (await e.rt.store.listEvents(incidentId)).map((t) => t.message);
  return { run, incident: incident!, records, timeline, incidentId };
}

describe('reserved hosts (simulator)', () => {
  test('target mode: the spare is enabled before the first evacuation, every instance is sent there without force, and it stays enabled', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-3'] }, mode: 'target' });
    await reserve(env, 'compute-3');
    env.sim.crashHost('compute-1');
    const { run, incident, records, timeline } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');

    const enable = putsTo(env, 'compute-3').filter((r) => JSON.parse(r.body!).status === 'enabled');
    expect(enable).toHaveLength(1);
    expect(enable[0]!.microversion).toBe('2.53');
    const posts = evacuatePosts(env);
    expect(posts.length).toBeGreaterThan(0);
    expect(enable[0]!.i).toBeLessThan(posts[0]!.i);
    // Scheduler-validated: a host and nothing else, at a microversion where `force` no longer exists.
    for (const p of posts) {
      expect(JSON.parse(p.body!)).toEqual({ evacuate: { host: 'compute-3' } });
      expect(Number(p.microversion!.split('.')[1])).toBeGreaterThanOrEqual(68);
    }
    const evacuated = records.filter((r) => r.outcome === 'evacuated');
    expect(evacuated.length).toBe(posts.length);
    for (const r of evacuated) expect(r.targetHost).toBe('compute-3');

    // Something landed: it stays enabled, and the incident and its timeline say so.
    expect(serviceOf(env.sim, 'compute-3')).toMatchObject({ status: 'enabled', disabledReason: null });
    expect(incident.reservedHost).toMatchObject({
      host: 'compute-3',
      mode: 'target',
      status: 'kept',
      matchedBy: 'reservedHosts.byAggregate["rack-a"]',
    });
    expect(incident.reservedHost!.landed.sort()).toEqual(evacuated.map((r) => r.name).sort());
    expect(timeline).toContain(
      'reserved host compute-3 enabled for this recovery (reservedHosts.byAggregate["rack-a"]); every evacuation is sent to it',
    );
    expect(timeline.some((m) => m.startsWith('reserved host compute-3 stays enabled:'))).toBe(true);
    // S2: the failed host got exactly isolate's two writes, nothing else.
    expect(putsTo(env, 'compute-1').map((r) => JSON.parse(r.body!) as object)).toEqual([
      { forced_down: true },
      expect.objectContaining({ status: 'disabled' }),
    ]);
  });

  test('scheduler mode: the marked spare is one more candidate, and instances land on it', async () => {
    env = await start({}); // marker only: compute-3 matches by sharing rack-a with compute-1
    await reserve(env, 'compute-3');
    env.sim.crashHost('compute-1');
    const { run, incident, records } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');
    for (const p of evacuatePosts(env)) expect(JSON.parse(p.body!)).toEqual({ evacuate: {} });
    const landed = records.filter((r) => r.targetHost === 'compute-3');
    expect(landed.length).toBeGreaterThan(0);
    expect(incident.reservedHost).toMatchObject({
      host: 'compute-3',
      mode: 'scheduler',
      status: 'kept',
      matchedBy: `marked "${MARKER}" in Nova (aggregate rack-a)`,
    });
  });

  test('plan shows the spare a recovery would enable, and capacity counts it as room while it is disabled', async () => {
    env = await start({});
    await reserve(env, 'compute-3');
    const report = await planReport(env.rt, 'compute-1');
    expect(report.reservedHost).toMatchObject({ host: 'compute-3', matchedBy: expect.stringContaining('rack-a') });
    const cap = await runCapacity(capacityDeps(env.rt), { hosts: ['compute-1'] });
    expect(cap.hosts.find((h) => h.host === 'compute-3')).toMatchObject({ reserved: true, excluded: null });
    expect(cap.answers[0]!.cloud.targets).toContain('compute-3');
    // Not configured: the same disabled host is out of service, not room.
    env.rt.config.evacuation.reservedHosts = undefined;
    const without = await runCapacity(capacityDeps(env.rt), { hosts: ['compute-1'] });
    expect(without.answers[0]!.cloud.targets).not.toContain('compute-3');
    // Nothing was changed by either.
    expect(putsTo(env, 'compute-3')).toHaveLength(1); // the reserve() above
  });

  test('returned to the pool, with its own reason, when nothing landed on it (its own instances do not count)', async () => {
    // compute-3 already runs 10 instances, the most a host takes here: the scheduler finds no room on it.
    const seed = (hosts: readonly string[]) => {
      const s = defaultSeed(hosts);
      return { ...s, servers: s.servers.map((x) => (x.host === 'compute-2' ? { ...x, host: 'compute-3' } : x)) };
    };
    env = await start({ byZone: { 'az-1': ['compute-3'] } }, { sim: { maxInstancesPerHost: 10, seed } });
    const reason = `${MARKER} (spare of rack-a, ticket OPS-12)`;
    await reserve(env, 'compute-3', reason);
    const preexisting = env.sim
      .snapshot()
      .servers.filter((s) => s.host === 'compute-3')
      .map((s) => s.id);
    expect(preexisting).toHaveLength(10);
    env.sim.crashHost('compute-1');
    const { run, incident, records, timeline } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');
    expect(records.filter((r) => r.outcome === 'evacuated').length).toBeGreaterThan(0);
    expect(records.some((r) => r.targetHost === 'compute-3')).toBe(false);

    expect(putsTo(env, 'compute-3').map((r) => JSON.parse(r.body!) as object)).toEqual([
      { status: 'disabled', disabled_reason: reason }, // the operator's (the test's) reservation
      { status: 'enabled' },
      { status: 'disabled', disabled_reason: reason },
    ]);
    expect(serviceOf(env.sim, 'compute-3')).toMatchObject({ status: 'disabled', disabledReason: reason });
    expect(incident.reservedHost).toMatchObject({ host: 'compute-3', status: 'returned', landed: [] });
    expect(incident.reservedHost!.preexisting.sort()).toEqual(preexisting.sort());
    expect(timeline).toContain(
      `reserved host compute-3 returned to the pool: nothing landed on it, disabled again ("${reason}")`,
    );
  });

  test('no reserved host matches: the scheduler places everything, with the reason recorded; the other rack’s spare is untouched', async () => {
    env = await start({ byAggregate: { 'rack-b': ['compute-4'] } });
    await reserve(env, 'compute-4');
    env.sim.crashHost('compute-1');
    const { run, incident, timeline } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');
    expect(putsTo(env, 'compute-4')).toHaveLength(1); // only the reservation itself
    expect(serviceOf(env.sim, 'compute-4').status).toBe('disabled');
    expect(incident.reservedHost).toMatchObject({
      host: null,
      status: 'none',
      reason: 'no reserved host matches compute-1 (aggregates: rack-a; zone: az-1)',
    });
    expect(timeline).toContain(
      'no reserved host used: no reserved host matches compute-1 (aggregates: rack-a; zone: az-1); the scheduler places the instances',
    );
    expect(incident.status).toBe('resolved');
  });

  test('enabling fails: the recovery goes on with the scheduler, the reason is recorded, the spare stays in the pool', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-3'] }, mode: 'target' });
    await reserve(env, 'compute-3');
    env.sim.faults.nova.failPaths = new RegExp(serviceOf(env.sim, 'compute-3').id);
    env.sim.faults.nova.failNext = 3; // every try of the one PUT (the HTTP layer retries a PUT 3 times)
    env.sim.crashHost('compute-1');
    const { run, incident, records } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');
    expect(incident.status).toBe('resolved');
    expect(incident.reservedHost).toMatchObject({ host: 'compute-3', status: 'enable-failed' });
    expect(incident.reservedHost!.reason).toMatch(/^enabling it failed \(/);
    // Target mode fell back to the scheduler: no host in the requests, none landed on the spare.
    for (const p of evacuatePosts(env)) expect(JSON.parse(p.body!)).toEqual({ evacuate: {} });
    expect(records.some((r) => r.targetHost === 'compute-3')).toBe(false);
    expect(serviceOf(env.sim, 'compute-3')).toMatchObject({
      status: 'disabled',
      disabledReason: expect.stringContaining(MARKER),
    });
  });

  test('bad input: a spare that does not exist, one that is enabled (not reserved) and the failed host itself are refused with reasons; nothing is enabled', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-99', 'compute-2', 'compute-1'] } });
    env.sim.crashHost('compute-1');
    const { run, incident, timeline } = await recover(env, 'compute-1');
    expect(run.status).toBe('SUCCEEDED');
    expect(putsTo(env, 'compute-2')).toEqual([]);
    expect(putsTo(env, 'compute-1')).toHaveLength(2); // isolate's force-down + disable only (S2)
    expect(incident.reservedHost).toMatchObject({ host: null, status: 'none' });
    expect(incident.reservedHost!.rejected).toEqual([
      { host: 'compute-99', reason: 'no nova-compute service named compute-99 in Nova' },
      {
        host: 'compute-2',
        reason: `it is enabled already, so it is not in the reserved pool (disable it with a reason containing "${MARKER}" to reserve it)`,
      },
      { host: 'compute-1', reason: 'it is the failed host itself' },
    ]);
    expect(
      timeline.find((m) => m.startsWith('no reserved host used: no usable reserved host for compute-1')),
    ).toBeTruthy();
  });

  test('a repeated PrepareTargets enables nothing more (S5-style: the record is written before the request)', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-3'] } });
    await reserve(env, 'compute-3');
    env.sim.crashHost('compute-1');
    const { incidentId, incident } = await recover(env, 'compute-1');
    const recorded = incident.reservedHost;
    expect(recorded?.status).toMatch(/^(kept|returned)$/);
    const before = putsTo(env, 'compute-3').length;
    // Nothing landed after the release, so it is back in the pool; a late retry of PrepareTargets must not re-enable it.
    const again = await prepareTargetsStep(env.rt, { incidentId, host: 'compute-1' });
    expect(putsTo(env, 'compute-3')).toHaveLength(before);
    expect(again.reservedHost).toBe('compute-3');
    const after = (await env.rt.store.getIncident(incidentId))!.reservedHost;
    expect(after).toEqual(recorded);
  });
});

describe('post-fence delay (simulator)', () => {
  const entered = (history: HistoryEvent[], name: string) =>
    history.findIndex((h) => h.type === 'StateEntered' && h.state?.name === name);
  const exited = (history: HistoryEvent[], name: string) =>
    history.findIndex((h) => h.type === 'StateExited' && h.state?.name === name);

  test('a Wait of postFenceDelaySeconds after the fence is confirmed and before the first evacuation', async () => {
    env = await start(undefined, { evacuation: { postFenceDelaySeconds: 30 } });
    env.sim.crashHost('compute-1');
    const history: HistoryEvent[] = [];
    // The runner replaces the 30 s by nothing (no test waits on a clock); the state and its input are what count.
    const timing = { ...FAST, waitMs: { ...FAST.waitMs, PostFenceDelay: 0 } };
    const { run } = await recover(env, 'compute-1', timing, history);
    expect(run.status).toBe('SUCCEEDED');
    const wait = history[entered(history, 'PostFenceDelay')]!;
    expect(wait.state).toMatchObject({ type: 'Wait', input: { plan: { postFenceDelaySeconds: 30 } } });
    expect(exited(history, 'Fence')).toBeLessThan(entered(history, 'PostFenceDelay'));
    expect(exited(history, 'PostFenceDelay')).toBeLessThan(entered(history, 'EvacuateRound'));
    // No reserved hosts configured: their Tasks never run.
    expect(entered(history, 'PrepareTargets')).toBe(-1);
    expect(entered(history, 'ReleaseTargets')).toBe(-1);
  });

  test('0 (the default) skips the Wait; with reserved hosts the order is PrepareTargets → PostFenceDelay → Evacuate → ReleaseTargets → Notify', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-3'] } });
    await reserve(env, 'compute-3');
    env.sim.crashHost('compute-1');
    const history: HistoryEvent[] = [];
    const { run } = await recover(env, 'compute-1', FAST, history);
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(history, 'PostFenceDelay')).toBe(-1);
    const order = ['Plan', 'PrepareTargets', 'EvacuateRound', 'ReleaseTargets', 'Notify'].map((n) =>
      entered(history, n),
    );
    expect(order.every((n) => n >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(history[exited(history, 'PrepareTargets')]!.state?.output).toMatchObject({
      targets: { reservedHost: 'compute-3', status: 'enabled', mode: 'scheduler' },
    });
  });

  test('with both: the spare is enabled first, then the delay runs, then the evacuations', async () => {
    env = await start({ byAggregate: { 'rack-a': ['compute-3'] } }, { evacuation: { postFenceDelaySeconds: 5 } });
    await reserve(env, 'compute-3');
    env.sim.crashHost('compute-1');
    const history: HistoryEvent[] = [];
    const { run } = await recover(
      env,
      'compute-1',
      { ...FAST, waitMs: { ...FAST.waitMs, PostFenceDelay: 0 } },
      history,
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(history, 'PrepareTargets')).toBeLessThan(entered(history, 'PostFenceDelay'));
    expect(entered(history, 'PostFenceDelay')).toBeLessThan(entered(history, 'EvacuateRound'));
  });
});

describe('check --preflight reads the reserved pool', () => {
  test('a spare in the pool passes; a missing one, an enabled one, an unknown aggregate or zone fail with why', async () => {
    env = await start({
      hosts: ['compute-99'],
      byAggregate: { 'rack-a': ['compute-3'], 'rack-z': ['compute-2'] },
      byZone: { 'az-9': ['compute-3'] },
    });
    await reserve(env, 'compute-3');
    await reserve(env, 'compute-4', `${MARKER} (rack-b spare)`);
    const report = await runPreflight(env.rt);
    const reserved = Object.fromEntries(
      report.checks.filter((c) => c.check === 'reserved-host').map((c) => [c.target, [c.ok, c.detail]]),
    );
    expect(reserved).toEqual({
      'compute-99': [false, 'no nova-compute service named compute-99 in Nova'],
      'compute-3': [true, `in the pool: disabled ("${MARKER} (spare of rack-a)"), up`],
      'compute-2': [
        false,
        `it is enabled already, so it is not in the reserved pool (disable it with a reason containing "${MARKER}" to reserve it)`,
      ],
      // marked in Nova only
      'compute-4': [true, `in the pool: disabled ("${MARKER} (rack-b spare)"), up`],
      'aggregate rack-a': [true, '3 host(s)'],
      'aggregate rack-z': [false, 'no aggregate named rack-z in Nova'],
      'zone az-9': [false, 'no compute host in availability zone az-9'],
    });
    expect(report.ok).toBe(false);
  });

  test('without evacuation.reservedHosts there is no reserved-host check and no aggregate listing', async () => {
    env = await start(undefined);
    const report = await runPreflight(env.rt);
    expect(report.checks.filter((c) => c.check === 'reserved-host')).toEqual([]);
    expect(env.sim.requestLog.some((r) => r.path.startsWith('/v2.1/os-aggregates'))).toBe(false);
  });
});
