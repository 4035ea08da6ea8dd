/**
 * Faults between freezer-dr and the cloud (Keystone, Nova, the VPN) and on the mail path:
 * retried within the Task deadlines, never evacuating twice (S5), never reporting success for
 * an instance that is not ACTIVE elsewhere, and every instance and incident ending recorded.
 */
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { runMonitorPass } from '../../lib/monitor/index.js';
import type { SimCloud } from '../../lib/sim/index.js';
import { collect } from './support/corpus.js';
import { busiestHost, FAST, isEvacuatePost, isResetPost, startRelEnv, until, type RelEnv } from './support/env.js';
import { recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('faults', 'Faults: cloud, VPN and mail');
beforeAll(() => recordFile());

let env: RelEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** Every instance of the plan is ACTIVE/SHUTOFF on another host now, and recorded so. */
async function expectAllMoved(e: RelEnv, host: string): Promise<void> {
  const incident = (await e.rt.store.listIncidents()).find((i) => i.host === host && i.plan);
  const ids = incident!.plan!.items.map((i) => i.id);
  expect(ids.length).toBeGreaterThan(0);
  const now = e.sim.snapshot().servers.filter((s) => ids.includes(s.id));
  expect(now).toHaveLength(ids.length);
  for (const s of now) {
    expect([s.name, s.host === host, s.status]).toEqual([s.name, false, expect.stringMatching(/^(ACTIVE|SHUTOFF)$/)]);
    expect((await e.rt.store.getInstance(incident!.id, s.id))?.outcome).toBe('evacuated');
  }
}

/** Revoke tokens the way an operator (or Keystone's expiry) would: DELETE /v3/auth/tokens, straight at the sim. */
async function revoke(sim: SimCloud, tokens: Iterable<string>): Promise<number> {
  const auth = await fetch(`${sim.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: sim.admin.username,
              domain: { name: sim.admin.userDomainName },
              password: sim.admin.password,
            },
          },
        },
        scope: { project: { name: sim.admin.projectName, domain: { name: sim.admin.projectDomainName } } },
      },
    }),
  });
  const mine = auth.headers.get('x-subject-token')!;
  let n = 0;
  for (const t of [...tokens]) {
    const r = await fetch(`${sim.authUrl}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': mine, 'X-Subject-Token': t },
    });
    if (r.status === 204) n++;
  }
  return n;
}

describe('fault: Keystone', () => {
  test('Keystone down: the monitor gates (observer), check exits 3, a recovery stops in Validate having done nothing', async () => {
    env = await startRelEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.keystone.down = true;
    env.mark();
    let started = 0;
    const pass = await runMonitorPass(env.rt, async () => ((started += 1), { started: true, detail: '' }));
    expect(pass.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(pass.decision.gates[0]!.reason).toMatch(
      /cannot observe the cloud \(ApiUnreachableError: POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens failed: ECONNRESET\); fencing nothing/,
    );
    expect(started).toBe(0);
    const check = await env.cli('check', '--config', env.configPath);
    expect(check.code).toBe(3);
    expect(check.out).toMatch(/GATE observer: cannot observe the cloud/);
    const r = await env.recover(host);
    expect(r.status).toBe('FAILED');
    expect(r.error?.Error).toBe('ApiUnreachableError');
    expect(await env.rt.store.getIncident(r.incidentId)).toBeUndefined();
    expect(env.sim.requestLog.filter(isResetPost)).toEqual([]);
    await env.finish({ rejected: true, noFence: [host] });
  });

  test('Keystone 401 mid-run (every token revoked at the first evacuation): one re-authentication, recovery completes', async () => {
    env = await startRelEnv({ sim: { rebuildMs: 400 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const run = env.recover(host);
    await until('the first evacuate POST', () => env!.sim.requestLog.some(isEvacuatePost));
    const revoked = await revoke(env.sim, env.vpn.tokens);
    expect(revoked).toBeGreaterThan(0);
    const r = await run;
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('resolved');
    // Nova refused the revoked token at least once, and a new token was issued.
    expect(env.sim.requestLog.some((x) => x.service === 'nova' && x.status === 401)).toBe(true);
    expect(
      env.sim.requestLog.filter(
        (x) =>
          x.service === 'keystone' && x.method === 'POST' && x.path.startsWith('/v3/auth/tokens') && x.status === 201,
      ).length,
    ).toBeGreaterThanOrEqual(3);
    await expectAllMoved(env, host);
    await env.finish();
  });

  test('tokens that expire every 1.2 s (application credential): refreshed before expiry, recovery completes', async () => {
    env = await startRelEnv({ auth: 'application-credential', sim: { tokenTtlMs: 1200, rebuildMs: 400 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('resolved');
    expect(env.vpn.tokens.size).toBeGreaterThanOrEqual(2);
    await expectAllMoved(env, host);
    await env.finish();
  });
});

describe('fault: Nova', () => {
  test('Nova 5xx on evacuate (two failures): retried, each instance evacuated exactly once', async () => {
    // Locks off: the fault knob matches server actions by path, and a lock request would take a failure meant for an evacuate.
    env = await startRelEnv({
      configPatch: (c) => ((c.evacuation.lock = false), (c.evacuation.retries = { count: 3, backoffSeconds: 1 })),
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    Object.assign(env.sim.faults.nova, { failNext: 2, status: 500, failPaths: /\/servers\/[^/]+\/action$/ });
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('resolved');
    expect(env.sim.requestLog.filter((x) => isEvacuatePost(x) && x.status === 500)).toHaveLength(2);
    await expectAllMoved(env, host);
    await env.finish();
  });

  test('Nova processes an evacuate but the answer is lost (timeout): the retry finds it in flight and does not send again', async () => {
    // The evacuation takes longer than the client's timeout: the retry happens while it is in flight.
    env = await startRelEnv({
      configPatch: (c) => (
        (c.cloud.requestTimeoutSeconds = 1),
        (c.evacuation.concurrency = 10),
        (c.evacuation.lock = false)
      ),
      sim: { rebuildMs: 3000 },
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    Object.assign(env.sim.faults.nova, { loseResponseNext: 1, failPaths: /\/servers\/[^/]+\/action$/ });
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('resolved');
    // One evacuate hung without an answer; every instance still has exactly one migration.
    expect(env.sim.requestLog.filter((x) => isEvacuatePost(x) && x.status === 0)).toHaveLength(1);
    const ids = (await env.rt.store.getIncident(r.incidentId))!.plan!.items.map((i) => i.id);
    for (const id of ids) expect(env.sim.snapshot().migrations.filter((m) => m.instanceUuid === id)).toHaveLength(1);
    await expectAllMoved(env, host);
    await env.finish();
  });

  test("Nova times out listing the host's servers (3 hangs): retried, the plan is complete", async () => {
    env = await startRelEnv({ configPatch: (c) => (c.cloud.requestTimeoutSeconds = 0.5) });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    Object.assign(env.sim.faults.nova, { timeoutNext: 3, failPaths: /\/servers\/detail/ });
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    expect(env.sim.requestLog.filter((x) => x.path.includes('/servers/detail') && x.status === 0)).toHaveLength(3);
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('resolved');
    // The plan accounts for every instance the host had: none was dropped by the failed listings.
    const planned = [...incident!.plan!.items, ...incident!.plan!.skipped].map((i) => i.id).sort();
    expect(planned).toEqual(
      env.before.servers
        .filter((s) => s.host === host)
        .map((s) => s.id)
        .sort(),
    );
    await expectAllMoved(env, host);
    await env.finish();
  });

  test('Nova times out listing os-services during a monitor pass: observer gate for that pass, nothing fenced; the next pass recovers', async () => {
    env = await startRelEnv({ configPatch: (c) => (c.cloud.requestTimeoutSeconds = 0.5) });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await until(`${host} reported down`, () =>
      env!.sim.snapshot().services.some((s) => s.host === host && s.state === 'down'),
    );
    Object.assign(env.sim.faults.nova, { timeoutNext: 3, failPaths: /\/os-services/ });
    const runs: Array<ReturnType<RelEnv['recover']>> = [];
    const start = async (input: { host: string; incidentId: string }) => (
      runs.push(env!.recover(input.host, { incidentId: input.incidentId, requestedBy: 'monitor' })),
      { started: true, detail: 'test' }
    );
    const first = await runMonitorPass(env.rt, start);
    expect(first.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(first.decision.gates[0]!.reason).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/v2\.1\/os-services failed: timed out/,
    );
    expect(runs).toHaveLength(0);
    expect(env.sim.requestLog.filter(isResetPost)).toEqual([]);
    const second = await runMonitorPass(env.rt, start);
    expect(second.started.map((s) => s.host)).toEqual([host]);
    const r = await runs[0]!;
    expect(r.status).toBe('SUCCEEDED');
    await expectAllMoved(env, host);
    await env.finish();
  });

  test("NoValidHost for two instances: the incident is partial, those two failed with Nova's reason, the rest evacuated", async () => {
    // One quick retry, so the instances fail on their retries, not on their 15 s timeout.
    env = await startRelEnv({ configPatch: (c) => (c.evacuation.retries = { count: 1, backoffSeconds: 0.5 }) });
    const host = busiestHost(env.sim);
    const victims = env.before.servers.filter((s) => s.host === host && s.status === 'ACTIVE').slice(0, 2);
    expect(victims).toHaveLength(2);
    env.sim.faults.noValidHostFor = new Set(victims.map((v) => v.id));
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryPartial' } });
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('partial');
    for (const v of victims) {
      const rec = await env.rt.store.getInstance(r.incidentId, v.id);
      expect(rec?.outcome).toBe('failed');
      expect(rec?.reason).toMatch(/No valid host was found/);
    }
    const evacuated = (await env.rt.store.listInstances(r.incidentId)).filter((i) => i.outcome === 'evacuated');
    expect(evacuated.length).toBeGreaterThan(0);
    const admin = env.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'));
    const text = (await simpleParser(admin!.raw)).text ?? '';
    for (const v of victims) expect(text).toContain(v.name);
    await env.finish();
  });
});

describe('fault: the VPN', () => {
  test('VPN cut for 1.5 s mid-evacuation (every cloud call fails, then recovers): no instance lost or evacuated twice', async () => {
    // Evacuations are still in flight when the tunnel comes back.
    env = await startRelEnv({ sim: { rebuildMs: 3000 }, configPatch: (c) => (c.evacuation.concurrency = 10) });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const slow = {
      waitMs: FAST.waitMs,
      retryMs: { ...FAST.retryMs, EvacuateRound: 300, Notify: 300 },
    };
    const run = env.recover(host, {}, slow);
    await until('the first evacuate POST', () => env!.sim.requestLog.some(isEvacuatePost), 15_000, 5);
    env.vpn.cut();
    const cutAt = env.sim.requestLog.length;
    await new Promise((r) => setTimeout(r, 1500));
    env.vpn.restore();
    const r = await run;
    expect(env.vpn.dropped).toBeGreaterThan(0);
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('resolved');
    expect(env.sim.requestLog.length).toBeGreaterThan(cutAt);
    await expectAllMoved(env, host);
    await env.finish();
  });
  test("VPN cut for 6 s just after the monitor opened the incident (longer than Validate's retries): the incident is not left open; the recovery completes", async () => {
    env = await startRelEnv({ sim: { rebuildMs: 200 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await until(`${host} reported down`, () =>
      env!.sim.snapshot().services.some((s) => s.host === host && s.state === 'down'),
    );
    // Isolate (the first step that needs Nova after Validate) retries longer than the cut lasts.
    const timing = { waitMs: FAST.waitMs, retryMs: { ...FAST.retryMs, Isolate: 2000 } };
    let run: ReturnType<RelEnv['recover']> | undefined;
    const pass = await runMonitorPass(env.rt, async (input) => {
      // The tunnel drops between the monitor's pass and the execution's first state.
      env!.vpn.cut();
      run = env!.recover(input.host, input, timing);
      return { started: true, detail: 'in-process' };
    });
    expect(pass.started.map((s) => s.host)).toEqual([host]);
    await new Promise((r) => setTimeout(r, 6000));
    env.vpn.restore();
    const r = await run!;
    expect(env.vpn.dropped).toBeGreaterThan(0);
    expect(r.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(pass.started[0]!.incidentId))?.status).toBe('resolved');
    await expectAllMoved(env, host);
    await env.finish();
  });
});

describe('fault: mail', () => {
  test('SMTP down: the recovery completes, every failed delivery is recorded in the incident and shown by `freezer-dr incidents ID`', async () => {
    env = await startRelEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await env.stopSmtp();
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('resolved');
    expect(incident?.notifications.length).toBeGreaterThan(0);
    expect(incident?.notifications.every((n) => !n.ok && !!n.detail)).toBe(true);
    expect(incident?.notifications.some((n) => /ECONNREFUSED/.test(n.detail ?? ''))).toBe(true);
    await expectAllMoved(env, host);
    const shown = await env.cli('incidents', r.incidentId, '--config', env.configPath);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/status\s+resolved/);
    expect(shown.out).toMatch(/notifications: 0 delivered, \d+ failed/);
    expect(shown.out).toMatch(/FAILED admin\s+email:smtp → ops@example\.org \(.*ECONNREFUSED/);
    const json = await env.cli('incidents', r.incidentId, '--json', '--config', env.configPath);
    collect('cli json', json.out);
    expect((JSON.parse(json.out) as { incident: { notifications: unknown[] } }).incident.notifications).toHaveLength(
      incident!.notifications.length,
    );
    await env.finish();
  });
});

secretScanCase(['cli', 'events', 'execution input', 'execution output', 'incident records', 'log', 'mail', 'metrics']);
