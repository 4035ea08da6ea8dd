import { afterEach, describe, expect, test } from '@jest/globals';
import { ResolvedCloudSchema } from '../../lib/config/index.js';
import { taskHandlers } from '../../functions/index.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { createSession, getServerLock, lockServer, type OpenStackSession } from '../../lib/openstack/index.js';
import type { RequestLogEntry } from '../../lib/sim/index.js';
import { runLocalExecution, type LambdaHandler } from '../../lib/workflow/local-runner.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const actionOf = (r: RequestLogEntry): string | undefined =>
  r.service === 'nova' && r.method === 'POST' && r.path.endsWith('/action')
    ? Object.keys(JSON.parse(r.body ?? '{}') as object)[0]
    : undefined;
const idOf = (r: RequestLogEntry) => /\/servers\/([^/]+)\/action$/.exec(r.path)?.[1];
/** Every server action the sim received, in order: `${action} ${instanceId}`. */
const actions = (e: RecoveryEnv, from = 0) =>
  e.sim.requestLog
    .slice(from)
    .filter((r) => actionOf(r) && r.status < 300)
    .map((r) => `${actionOf(r)} ${idOf(r)}`);

/** A session as a project member (not an admin), the way an owner locks their instance. */
async function memberSession(e: RecoveryEnv, username: string, projectName: string): Promise<OpenStackSession> {
  return createSession(
    ResolvedCloudSchema.parse({
      authUrl: e.sim.authUrl,
      regionName: e.sim.regionName,
      auth: { type: 'password', username, password: `${username}-password`, projectName },
    }),
  );
}

describe('locks while instances are moved (2.73)', () => {
  test('each instance is locked with the incident as reason as its evacuate is sent, and unlocked once settled', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const records = await env.rt.store.listInstances(r.incidentId);
    const moved = records.filter((x) => x.outcome === 'evacuated');
    expect(moved.length).toBeGreaterThan(1);
    const log = actions(env);
    for (const rec of moved) {
      const mine = log.filter((a) => a.endsWith(` ${rec.instanceId}`)).map((a) => a.split(' ')[0]);
      // The lock goes out with the evacuate (either may arrive first); the unlock only once it settled.
      expect([...mine.slice(0, 2)].sort()).toEqual(['evacuate', 'lock']);
      expect(mine.slice(2)).toEqual(['unlock']);
      expect(rec).toMatchObject({ lockedByUs: true, lockedBefore: false });
      expect(rec.lockReason).toBe(`freezer-dr: evacuating after host ${host} failed (incident ${r.incidentId})`);
      expect(rec.unlockedAt).toEqual(expect.any(String));
    }
    const locks = env.sim.requestLog.filter((x) => actionOf(x) === 'lock');
    for (const l of locks) {
      expect(l.microversion).toBe('2.73');
      expect(JSON.parse(l.body!)).toEqual({ lock: { locked_reason: expect.stringContaining(r.incidentId) } });
    }
    for (const s of env.sim.snapshot().servers) expect([s.name, s.locked]).toEqual([s.name, false]);
  });

  test("an owner's lock is kept: the instance is evacuated all the same and stays locked by its owner", async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const alice = await memberSession(env, 'alice', 'shop-frontend');
    // shop-web-1 belongs to shop-frontend, where alice is a member.
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.name.startsWith('shop-web'))!;
    await lockServer(alice, victim.id, 'owner: release freeze');
    expect(await getServerLock(env.rt.session, victim.id)).toEqual({
      locked: true,
      lockedReason: 'owner: release freeze',
    });

    const from = env.sim.requestLog.length;
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const rec = await env.rt.store.getInstance(r.incidentId, victim.id);
    expect(rec).toMatchObject({ outcome: 'evacuated', lockedBefore: true });
    expect(rec?.lockedByUs).toBeFalsy();
    // Evacuated despite the lock, and never locked or unlocked by us.
    expect(actions(env, from).filter((a) => a.endsWith(` ${victim.id}`))).toEqual([`evacuate ${victim.id}`]);
    const after = env.sim.snapshot().servers.find((s) => s.id === victim.id)!;
    expect(after).toMatchObject({ locked: true, lockedBy: 'owner', lockedReason: 'owner: release freeze' });
    expect(after.host).not.toBe(host);
  });

  test('a lock someone else put on while we moved the instance is left in place', async () => {
    env = await startRecoveryEnv({ sim: { rebuildMs: 1500 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = incidentIdFor(host, new Date());
    let relocked: string | undefined;
    const evacuate: LambdaHandler = async (event, ctx) => {
      const out = await taskHandlers.evacuate!(event, ctx);
      if (!relocked) {
        const inFlight = (await env!.rt.store.listInstances(incidentId)).find((x) => x.outcome === 'evacuating');
        if (inFlight) {
          relocked = inFlight.instanceId;
          // An operator's lock replaces ours in Nova (an admin's lock overwrites locked_by and the reason).
          await lockServer(env!.rt.session, relocked, 'ops: hold for forensics');
        }
      }
      return out;
    };
    const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
    const run = await runLocalExecution(incidentId, input, { handlers: { ...taskHandlers, evacuate } });
    expect(run.status).toBe('SUCCEEDED');
    expect(relocked).toBeDefined();
    expect(await getServerLock(env.rt.session, relocked!)).toEqual({
      locked: true,
      lockedReason: 'ops: hold for forensics',
    });
    const others = env.sim.snapshot().servers.filter((s) => s.id !== relocked);
    for (const s of others) expect([s.name, s.locked]).toEqual([s.name, false]);
  });

  test('a new run of the incident lifts the locks a dead run left behind', async () => {
    env = await startRecoveryEnv({ sim: { rebuildMs: 600 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = incidentIdFor(host, new Date());
    const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
    const abort = new AbortController();
    const evacuate: LambdaHandler = async (event, ctx) => {
      const out = await taskHandlers.evacuate!(event, ctx);
      abort.abort(); // the run dies right after its first round
      return out;
    };
    const first = await runLocalExecution(incidentId, input, {
      handlers: { ...taskHandlers, evacuate },
      signal: abort.signal,
    });
    expect(first.status).toBe('FAILED');
    const lockedByDeadRun = env.sim.snapshot().servers.filter((s) => s.locked);
    expect(lockedByDeadRun.length).toBeGreaterThan(0);
    // Let every evacuation finish in Nova while nobody watches: the new run finds them all settled.
    await new Promise((r) => setTimeout(r, 1500));

    const second = await runLocalExecution(incidentId, input, { handlers: taskHandlers });
    expect(second.status).toBe('SUCCEEDED');
    for (const s of env.sim.snapshot().servers) expect([s.name, s.locked]).toEqual([s.name, false]);
    const evacuates = actions(env).filter((a) => a.startsWith('evacuate '));
    expect(new Set(evacuates).size).toBe(evacuates.length);
  });
});
