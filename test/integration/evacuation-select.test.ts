import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { stringify } from 'yaml';
import { main } from '../../cli/main.js';
import { PlanReportSchema } from '../../lib/workflow/index.js';
import { defaultSeed, type SeedData } from '../../lib/sim/seed.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

const HOSTS = ['compute-1', 'compute-2', 'compute-3'];
const HOST = 'compute-1';
const STUCK_ID = '5d1c0c8e-0000-4000-8000-00000000057c';

/**
 * compute-1's instances, labelled for the scenarios: shop-db-1 in restart group 1, shop-web-1 in
 * group 2, research-win-1 naming a group that does not exist, and `stuck-1` left `rebuilding` by
 * the host's death. Glance tags cirros `evacuable`.
 */
function seed(hosts: readonly string[]): SeedData {
  const s = defaultSeed(hosts);
  const meta = (name: string, m: Record<string, string>) => {
    const srv = s.servers.find((x) => x.name === name)!;
    srv.metadata = { ...srv.metadata, ...m };
  };
  meta('shop-db-1', { 'freezer-dr:group': '1' });
  meta('shop-web-1', { 'freezer-dr:group': '2' });
  meta('research-win-1', { 'freezer-dr:group': 'gold' });
  const base = s.servers.find((x) => x.name === 'shop-web-1')!;
  s.servers.push({ ...base, id: STUCK_ID, name: 'stuck-1', taskState: 'rebuilding', metadata: {} });
  s.images.find((i) => i.name === 'cirros-0.6.2')!.tags = ['evacuable'];
  return s;
}

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function start(evacuation: Record<string, unknown> = {}) {
  env = await startRecoveryEnv({
    hosts: HOSTS,
    sim: { seed },
    configPatch: (c) => {
      c.evacuation = { ...(c.evacuation as object), ...evacuation };
    },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'fdr-plan-')), 'freezer-dr.yaml');
  writeFileSync(path, stringify(env.raw));
  return { env, path };
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const novaPosts = (e: RecoveryEnv) => e.sim.requestLog.filter((r) => r.service === 'nova' && r.method === 'POST');

describe('freezer-dr plan', () => {
  test('human and --json: groups in run order, target, skipped with reasons; nothing changed', async () => {
    const { env, path } = await start({ skip: { names: ['ci-runner-*'] } });
    const human = await cli('plan', '--host', HOST, '--config', path);
    expect(human.code).toBe(0);
    expect(human.out).toContain('target      the scheduler chooses (evacuation.targetHost unset)');
    expect(human.out).toMatch(/order {7}group 1 \(1\) → group 2 \(1\) → group ungrouped \(\d+\); up to 3 at once/);
    expect(human.out).toContain('group 1 (runs first)');
    expect(human.out).toContain('group 2 (starts when group 1 has settled)');
    expect(human.out).toContain('name matches evacuation.skip.names glob "ci-runner-*"');
    expect(human.out).toContain('nothing was changed (plan only reads)');

    const json = await cli('plan', '--host', HOST, '--json', '--config', path);
    expect(json.code).toBe(0);
    const report = PlanReportSchema.parse(JSON.parse(json.out));
    expect(report.groups.map((g) => [g.label, g.items.map((i) => i.name).slice(0, 1)])).toEqual([
      ['1', ['shop-db-1']],
      ['2', ['shop-web-1']],
      ['ungrouped', [expect.any(String)]],
    ]);
    expect(report.target).toEqual({ policy: 'scheduler', host: null });
    // The capacity check for this host, from the simulated Placement: it answers for the planned instances.
    expect(report.capacity).toMatchObject({ host: HOST, instances: report.groups.flatMap((g) => g.items).length });
    expect(human.out).toMatch(/capacity {4}(the other hosts take all \d+ instance\(s\)|NOT ENOUGH ROOM)/);
    expect(report.reservedHost).toBeNull();
    const why = Object.fromEntries(report.skipped.map((s) => [s.name, s.reason]));
    expect(why['research-win-1']).toMatch(/freezer-dr:group="gold" is not a restart group/);
    expect(why['stuck-1']).toMatch(/rebuilding\), stuck since its host died; evacuation.stuckTasks: reset would/);
    expect(why['research-nb-1']).toMatch(/never launched/);
    // Read only: no action of any kind was sent.
    expect(novaPosts(env)).toEqual([]);
  });

  test('stuckTasks: reset lists the reset a real run would do, and does not do it', async () => {
    const { env, path } = await start({ stuckTasks: 'reset' });
    const json = await cli('plan', '--host', HOST, '--json', '--config', path);
    const report = PlanReportSchema.parse(JSON.parse(json.out));
    expect(report.resets).toEqual([{ id: STUCK_ID, name: 'stuck-1', taskState: 'rebuilding' }]);
    const human = await cli('plan', '--host', HOST, '--config', path);
    expect(human.out).toContain('reset to ERROR first (task_state rebuilding)');
    expect(env.sim.snapshot().servers.find((s) => s.id === STUCK_ID)?.taskState).toBe('rebuilding');
    expect(novaPosts(env)).toEqual([]);
  });

  test('tagged on images: a Glance tag (cirros) or an image property (ubuntu) counts, the rest are skipped as unmarked', async () => {
    const { path } = await start({ evacuable: { mode: 'tagged', sources: ['image'] } });
    const report = PlanReportSchema.parse(
      JSON.parse((await cli('plan', '--host', HOST, '--json', '--config', path)).out),
    );
    const planned = report.groups.flatMap((g) => g.items.map((i) => i.name));
    // ubuntu carries the image property evacuable=true, cirros the Glance tag.
    expect(planned).toEqual(['ci-runner-1', 'data-etl-1', 'data-etl-2']);
    expect(report.skipped.find((s) => s.name === 'shop-db-1')?.reason).toMatch(/not marked evacuable/);
  });

  test('bad input: unknown host, missing or malformed --host → exit 2 with a clear message', async () => {
    const { path } = await start();
    const unknown = await cli('plan', '--host', 'compute-10', '--config', path);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Nova has no nova-compute service on host "compute-10"');
    expect(unknown.err).toMatch(/hint: known hosts: compute-1, compute-2, compute-3/);
    expect(unknown.err).not.toMatch(/\n\s+at /);
    expect((await cli('plan', '--config', path)).err).toMatch(/plan: --host is required/);
    expect((await cli('plan', '--host', 'a b', '--config', path)).code).toBe(2);
    expect((await cli('plan', '--hots', HOST)).code).toBe(2);
    expect((await cli('plan', '--help')).out).toMatch(/^Usage: freezer-dr plan --host HOST/);
  });

  test('aggregate filter closed (no matching aggregate, or aggregates unreadable) → BLOCKED, exit 1', async () => {
    const { env, path } = await start({ evacuable: { aggregateFilter: 'ha=true' } });
    env.sim.setAggregates([{ name: 'rack-a', hosts: [HOST], metadata: { ha: 'false' } }]);
    const closed = await cli('plan', '--host', HOST, '--config', path);
    expect(closed.code).toBe(1);
    expect(closed.out).toMatch(
      /BLOCKED {5}evacuation.evacuable.aggregateFilter ha=true: compute-1 is in no host aggregate/,
    );
    expect(closed.out).toContain('order       nothing to evacuate');

    env.sim.setAggregates([{ name: 'rack-a', hosts: [HOST], metadata: { ha: 'true' } }]);
    expect((await cli('plan', '--host', HOST, '--config', path)).code).toBe(0);

    env.sim.faults.nova.failPaths = /os-aggregates/;
    env.sim.faults.nova.failNext = 1000;
    const unreadable = await cli('plan', '--host', HOST, '--json', '--config', path);
    expect(unreadable.code).toBe(1);
    expect(PlanReportSchema.parse(JSON.parse(unreadable.out)).blocked).toMatch(/host aggregates could not be read/);
  });
});

describe('the Plan step in a recovery', () => {
  test('stuckTasks skip (default): the stuck instance is skipped with the reason; no reset is sent', async () => {
    const { env } = await start();
    env.sim.crashHost(HOST);
    const r = await env.recover(HOST);
    const stuck = await env.rt.store.getInstance(r.incidentId, STUCK_ID);
    expect(stuck).toMatchObject({ outcome: 'skipped' });
    expect(stuck?.reason).toMatch(/a task is in progress \(rebuilding\), stuck since its host died/);
    expect(novaPosts(env).filter((p) => (p.body ?? '').includes('os-resetState'))).toEqual([]);
  });

  test('stuckTasks reset: os-resetState after the fence (S1), recorded as an event, then evacuated', async () => {
    const { env } = await start({ stuckTasks: 'reset' });
    env.sim.crashHost(HOST);
    const r = await env.recover(HOST);
    const log = env.sim.requestLog;
    const resetAt = log.findIndex((e) => e.method === 'POST' && (e.body ?? '').includes('"os-resetState"'));
    const forcedDownAt = log.findIndex((e) => e.method === 'PUT' && (e.body ?? '').includes('forced_down'));
    expect(resetAt).toBeGreaterThan(forcedDownAt);
    expect(forcedDownAt).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(log[resetAt]!.body!)).toEqual({ 'os-resetState': { state: 'error' } });
    const events = await env.rt.store.listEvents(r.incidentId);
    expect(events.map((e) => e.message)).toContainEqual(
      'reset stuck-1 to ERROR (task_state rebuilding was stuck on the fenced host) so it can be evacuated',
    );
    const stuck = await env.rt.store.getInstance(r.incidentId, STUCK_ID);
    expect(stuck?.outcome).toBe('evacuated');
    expect(env.sim.snapshot().servers.find((s) => s.id === STUCK_ID)?.host).not.toBe(HOST);
  });

  test('stuckTasks reset that Nova refuses: the instance is skipped with Nova’s answer, the others go on', async () => {
    const { env } = await start({ stuckTasks: 'reset' });
    env.sim.faults.nova.failPaths = new RegExp(`/servers/${STUCK_ID}/action`);
    env.sim.faults.nova.failNext = 1000;
    env.sim.crashHost(HOST);
    const r = await env.recover(HOST);
    const stuck = await env.rt.store.getInstance(r.incidentId, STUCK_ID);
    expect(stuck?.outcome).toBe('skipped');
    expect(stuck?.reason).toMatch(/^a task is in progress \(rebuilding\) and the reset to ERROR failed: /);
    const events = (await env.rt.store.listEvents(r.incidentId)).map((e) => e.message);
    expect(events.some((m) => m.startsWith('could not reset stuck-1:'))).toBe(true);
    const others = (await env.rt.store.listInstances(r.incidentId)).filter((i) => i.outcome === 'evacuated');
    expect(others.length).toBeGreaterThan(0);
  });

  test('aggregate filter closed: nothing evacuated, every instance skipped with the reason, failed, admins told', async () => {
    const { env } = await start({ evacuable: { aggregateFilter: 'ha=true' } });
    env.sim.setAggregates([{ name: 'rack-b', hosts: ['compute-2'], metadata: { ha: 'true' } }]);
    const onHost = env.sim.snapshot().servers.filter((s) => s.host === HOST);
    env.sim.crashHost(HOST);
    const r = await env.recover(HOST);
    expect(r.status).toBe('FAILED');
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('failed');
    expect(incident?.error?.name).toBe('EvacuationBlockedError');
    const records = await env.rt.store.listInstances(r.incidentId);
    expect(records).toHaveLength(onHost.length);
    const launchedActive = records.filter((x) => !/never launched/.test(x.reason ?? ''));
    for (const rec of launchedActive) {
      expect(rec.outcome).toBe('skipped');
      expect(rec.reason).toMatch(/aggregateFilter ha=true: compute-1 is in no host aggregate with that metadata/);
    }
    expect(novaPosts(env).filter((p) => (p.body ?? '').includes('"evacuate"'))).toEqual([]);
    const admin = env.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'));
    expect((await simpleParser(admin!.raw)).text).toMatch(
      /EvacuationBlockedError|no instance of compute-1 is evacuated/,
    );
  });
});
