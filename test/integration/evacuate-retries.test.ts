import { afterEach, describe, expect, test } from '@jest/globals';
import { disableService, enableService, listComputeServices } from '../../lib/openstack/index.js';
import type { InstanceRecord } from '../../lib/evacuation/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const isEvacuate = (r: { service: string; method: string; path: string; body?: string }) =>
  r.service === 'nova' && r.method === 'POST' && r.path.endsWith('/action') && !!r.body?.includes('"evacuate"');
const evacuatesOf = (e: RecoveryEnv, id: string) =>
  e.sim.requestLog.filter((r) => isEvacuate(r) && r.path.includes(`/servers/${id}/`));
const migrationsOf = (e: RecoveryEnv, id: string) =>
  e.sim
    .snapshot()
    .migrations.filter((m) => m.instanceUuid === id)
    .sort((a, b) => a.id - b.id);

const retries = (count: number, backoffSeconds: number) => (c: Record<string, unknown>) =>
  Object.assign(c['evacuation'] as object, { retries: { count, backoffSeconds }, instanceTimeoutSeconds: 30 });

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/**
 * S5 under retries, from Nova's side: each evacuate we sent made exactly one migration, and every
 * migration but the last one of an instance ended `error` before the next was sent (a second
 * evacuate while one is in flight leaves an `accepted` migration behind for good: FACTS rule 4).
 */
function expectOneAttemptAtATime(e: RecoveryEnv, rec: InstanceRecord): void {
  const migrations = migrationsOf(e, rec.instanceId);
  expect(evacuatesOf(e, rec.instanceId).filter((r) => r.status === 200)).toHaveLength(migrations.length);
  expect(migrations.slice(0, -1).map((m) => m.status)).toEqual(migrations.slice(0, -1).map(() => 'error'));
}

describe('per-instance retries', () => {
  test('NoValidHost is retried with backoff and succeeds once capacity frees up', async () => {
    env = await startRecoveryEnv({ configPatch: retries(5, 0.3) });
    const host = busiestHost(env.sim);
    // The cloud is full: every other host is disabled, so the scheduler finds no valid host.
    const others = (await listComputeServices(env.rt.session)).services.filter((s) => s.host !== host);
    for (const s of others) await disableService(env.rt.session, s.id, 'test: no room');
    env.sim.crashHost(host);
    const run = env.recover(host);
    // Room frees up once Nova has turned the first evacuation down.
    await waitUntil(() => env!.sim.snapshot().migrations.some((m) => m.status === 'error'));
    for (const s of others) await enableService(env.rt.session, s.id);
    const r = await run;

    expect(r.status).toBe('SUCCEEDED');
    const planned = (await env.rt.store.getIncident(r.incidentId))!.plan!.items.map((i) => i.id);
    const records = (await env.rt.store.listInstances(r.incidentId)).filter((x) => planned.includes(x.instanceId));
    expect(records.map((x) => x.outcome)).toEqual(records.map(() => 'evacuated'));
    const retried = records.filter((x) => (x.attempts?.length ?? 0) > 0);
    expect(retried.length).toBeGreaterThan(0);
    for (const rec of retried) {
      expect(rec.attempts!.map((a) => a.reason)).toEqual(
        rec.attempts!.map(() => expect.stringMatching(/No valid host/)),
      );
      expect(migrationsOf(env, rec.instanceId)).toHaveLength(rec.attempts!.length + 1);
    }
    for (const rec of records) expectOneAttemptAtATime(env, rec);
    for (const s of env.sim.snapshot().servers.filter((x) => planned.includes(x.id)))
      expect(s.status).not.toBe('ERROR');
  });

  test('retries exhausted: failed, and the reason says how many attempts were made', async () => {
    env = await startRecoveryEnv({ configPatch: retries(2, 0.1) });
    const host = busiestHost(env.sim);
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.status === 'ACTIVE')!;
    env.sim.faults.noValidHostFor = new Set([victim.id]);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryPartial' } });
    const rec = (await env.rt.store.getInstance(r.incidentId, victim.id))!;
    expect(rec.outcome).toBe('failed');
    expect(rec.reason).toBe('after 3 attempts: No valid host was found. There are not enough hosts available.');
    expect(rec.attempts).toHaveLength(2);
    expect(migrationsOf(env, victim.id).map((m) => m.status)).toEqual(['error', 'error', 'error']);
    expectOneAttemptAtATime(env, rec);
  });

  test('a 5xx answer to the evacuate is retried after the backoff; the instance is evacuated once', async () => {
    env = await startRecoveryEnv({
      configPatch: (c) => (retries(2, 0.2)(c), Object.assign(c['evacuation'] as object, { lock: false })),
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    Object.assign(env.sim.faults.nova, { failNext: 1, status: 503, failPaths: /\/servers\/[^/]+\/action$/ });
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const refused = env.sim.requestLog.filter((x) => isEvacuate(x) && x.status === 503);
    expect(refused).toHaveLength(1);
    const id = /\/servers\/([^/]+)\/action$/.exec(refused[0]!.path)![1]!;
    const rec = (await env.rt.store.getInstance(r.incidentId, id))!;
    expect(rec.outcome).toBe('evacuated');
    expect(rec.attempts?.map((a) => a.reason)).toEqual(['Nova answered 503 to the evacuate request']);
    expect(migrationsOf(env, id).map((m) => m.status)).toEqual(['done']);
  });
});
