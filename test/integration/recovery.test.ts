import { afterEach, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const evacuatePosts = (e: RecoveryEnv) =>
  e.sim.requestLog.filter(
    (r) =>
      r.service === 'nova' &&
      r.method === 'POST' &&
      /\/servers\/[^/]+\/action/.test(r.path) &&
      !!r.body?.includes('"evacuate"'),
  );

describe('the real state machine against the simulated cloud', () => {
  test('crash → fence (Redfish, confirmed) → isolate → evacuate every instance once, verified → mails', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const before = env.sim.snapshot().servers.filter((s) => s.host === host);
    env.sim.crashHost(host);

    const result = await env.recover(host);
    expect(result.status).toBe('SUCCEEDED');

    const incident = await env.rt.store.getIncident(result.incidentId);
    expect(incident?.status).toBe('resolved');
    expect(incident?.fence).toMatchObject({ fenced: true, method: 'redfish' });
    expect(env.sim.powerState(host)).toBe('Off');

    const service = env.sim.snapshot().services.find((s) => s.host === host && s.binary === 'nova-compute')!;
    expect(service).toMatchObject({ forcedDown: true, status: 'disabled' });
    expect(service.disabledReason).toContain(result.incidentId);

    const records = await env.rt.store.listInstances(result.incidentId);
    const evacuated = records.filter((r) => r.outcome === 'evacuated');
    const after = env.sim.snapshot();
    for (const r of evacuated) {
      const s = after.servers.find((x) => x.id === r.instanceId)!;
      expect(s.host).toBe(r.targetHost);
      expect(s.host).not.toBe(host);
      expect(['ACTIVE', 'SHUTOFF']).toContain(s.status);
      expect(after.migrations.filter((m) => m.instanceUuid === r.instanceId).map((m) => m.status)).toEqual(['done']);
    }
    // Every instance of the host is accounted for: evacuated or skipped with a reason.
    expect(records.map((r) => r.instanceId).sort()).toEqual(before.map((s) => s.id).sort());
    for (const r of records.filter((x) => x.outcome === 'skipped')) expect(r.reason).toBeTruthy();
    expect(evacuated.length).toBeGreaterThan(0);
    // S5: exactly one evacuate request per evacuated instance.
    expect(evacuatePosts(env)).toHaveLength(evacuated.length);

    // S2: force-down came before disable.
    const puts = env.sim.requestLog.filter((r) => r.service === 'nova' && r.method === 'PUT');
    expect(puts.map((r) => JSON.parse(r.body ?? '{}') as Record<string, unknown>)).toEqual([
      expect.objectContaining({ forced_down: true }),
      expect.objectContaining({ status: 'disabled' }),
    ]);

    // Mails went through SMTP: admins as envelope recipients, project members by role assignment.
    const rcpts = env.smtp.messages.flatMap((m) => m.envelopeTo);
    expect(rcpts).toContain('ops@example.org');
    expect(env.smtp.messages.length).toBeGreaterThanOrEqual(2);
    const admin = env.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'))!;
    const parsed = await simpleParser(admin.raw);
    expect(parsed.text).toContain(host);
    expect(parsed.html).toBeTruthy();
    // Project mails name the project as people know it, not only by id.
    const projectMails = await Promise.all(
      env.smtp.messages.filter((m) => /X-Freezer-Dr-Kind: project/i.test(m.raw)).map((m) => simpleParser(m.raw)),
    );
    expect(projectMails.length).toBeGreaterThan(0);
    expect(
      projectMails.some((m) =>
        /YOUR INSTANCES IN PROJECT (shop-frontend|data-platform|ci-runners|research) \(/.test(m.text ?? ''),
      ),
    ).toBe(true);
  });

  test('S1: a BMC that accepts power-off but stays on stops the run before any change in Nova', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.ignorePowerOff = true;

    const result = await env.recover(host);
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('FenceNotConfirmed');
    expect(evacuatePosts(env)).toHaveLength(0);
    expect(env.sim.requestLog.filter((r) => r.service === 'nova' && r.method === 'PUT')).toHaveLength(0);
    const incident = await env.rt.store.getIncident(result.incidentId);
    expect(incident?.status).toBe('fence-failed');
    expect(incident?.error?.name).toBe('PowerOffTimeoutError');
    // The admins were told, with what to do.
    const admin = env.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'));
    expect(admin).toBeDefined();
    expect((await simpleParser(admin!.raw)).text).toMatch(/not confirmed|NOT confirmed/i);
  });

  test('the optional "recovery started" mail reaches the admins before the summary', async () => {
    env = await startRecoveryEnv({
      configPatch: (c) => {
        (c.notification as Record<string, unknown>).sendStartedMail = true;
      },
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    expect((await env.recover(host)).status).toBe('SUCCEEDED');
    const subjects = await Promise.all(
      env.smtp.messages
        .filter((m) => m.envelopeTo.includes('ops@example.org'))
        .map(async (m) => (await simpleParser(m.raw)).subject ?? ''),
    );
    const started = subjects.findIndex((s) => s.includes(`recovering ${host}`));
    expect(started).toBeGreaterThanOrEqual(0);
    expect(started).toBe(0);
  });

  test('S1: an unreachable BMC evacuates nothing', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.unreachable = true;
    const result = await env.recover(host);
    expect(result.status).toBe('FAILED');
    expect(evacuatePosts(env)).toHaveLength(0);
  });

  test('S1: a manual-fence host needs the operator; confirmed-by-operator recovers it without the BMC', async () => {
    env = await startRecoveryEnv({
      configPatch: (c) => {
        (c.fencing as { defaults: unknown[] }).defaults = [{ match: 'compute-*', driver: 'manual' }];
        (c.fencing as { hosts: object }).hosts = {};
      },
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const refused = await env.recover(host);
    expect(refused.status).toBe('FAILED');
    expect((await env.rt.store.getIncident(refused.incidentId))?.error?.name).toBe('FenceNeedsOperatorError');
    expect(evacuatePosts(env)).toHaveLength(0);

    // An operator's confirmation is refused while Nova still has a fresh heartbeat (issue 12):
    // wait until it is stale, as it would be for a host really powered off.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const confirmed = await env.recover(host, {
      fence: 'confirmed-by-operator',
      incidentId: `${refused.incidentId}-2`,
    });
    expect(confirmed.status).toBe('SUCCEEDED');
    expect((await env.rt.store.getIncident(confirmed.incidentId))?.fence?.method).toBe('operator');
    expect(env.sim.requestLog.filter((r) => r.service === 'redfish' && r.method === 'POST')).toHaveLength(0);
  });

  test('S3: recovering compute-1 never touches compute-10', async () => {
    env = await startRecoveryEnv({ hosts: ['compute-1', 'compute-10', 'compute-2', 'compute-3'] });
    const on10 = env.sim
      .snapshot()
      .servers.filter((s) => s.host === 'compute-10')
      .map((s) => s.id);
    expect(on10.length).toBeGreaterThan(0);
    env.sim.crashHost('compute-1');
    const result = await env.recover('compute-1');
    expect(result.status).toBe('SUCCEEDED');
    const records = await env.rt.store.listInstances(result.incidentId);
    for (const id of on10) expect(records.some((r) => r.instanceId === id)).toBe(false);
    for (const id of on10) expect(env.sim.snapshot().servers.find((s) => s.id === id)?.host).toBe('compute-10');
    expect(env.sim.powerState('compute-10')).toBe('On');
  });

  test('S4: a second recovery for a host with an open incident is refused in the first state', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const now = new Date().toISOString();
    await env.rt.store.createIncident({
      id: 'inc-held',
      host,
      status: 'evacuating',
      reason: 'x',
      requestedBy: 'test',
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
    const result = await env.recover(host);
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('IncidentExistsError');
    expect(env.sim.requestLog.filter((r) => r.service === 'redfish' && r.method === 'POST')).toHaveLength(0);
  });

  test('dry run: prints a plan, changes nothing anywhere', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const result = await env.recover(host, { dryRun: true });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { plan: { items: unknown[] } }).plan.items.length).toBeGreaterThan(0);
    expect(env.sim.requestLog.filter((r) => r.method !== 'GET' && r.service !== 'keystone')).toEqual([]);
    expect(env.sim.powerState(host)).toBe('On');
  });

  test("NoValidHost for one instance: the incident is partial, that instance failed with Nova's message", async () => {
    // One quick retry (the test env's default): the retries themselves have their own suite (evacuate-retries.test.ts).
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.status === 'ACTIVE')!;
    env.sim.faults.noValidHostFor = new Set([victim.id]);
    env.sim.crashHost(host);
    const result = await env.recover(host);
    expect(result).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryPartial' } });
    expect((await env.rt.store.getIncident(result.incidentId))?.status).toBe('partial');
    const rec = await env.rt.store.getInstance(result.incidentId, victim.id);
    expect(rec?.outcome).toBe('failed');
    expect(rec?.reason).toMatch(/^after 2 attempts: No valid host/);
  });

  test('invalid input fails in the first state with the field named', async () => {
    env = await startRecoveryEnv();
    const bad = await env.recover('compute-1', { host: 'compute-1;reboot' });
    expect(bad.status).toBe('FAILED');
    expect(bad.error?.Error).toBe('InvalidExecutionInputError');
    const unknown = await env.recover('compute-99');
    expect(unknown.status).toBe('FAILED');
    expect(unknown.error?.Error).toBe('UnknownHostError');
  });
});
