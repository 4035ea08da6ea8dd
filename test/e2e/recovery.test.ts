/**
 * End to end against the real bed (Keystone + Nova Zed from Debian, three FakeDriver computes,
 * one ipmi_sim BMC each): freezer-dr runs as an operator runs it (`freezer-dr start --config`
 * with the bed's clouds.yaml) and every assertion reads what Nova, the BMCs (ipmitool) and the
 * SMTP server really say. Each scenario starts from a healthy cloud (test/e2e/bed/ctl.sh reset).
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js';
import { waitUntil, type NovaServer, type RawCloud } from '../contract/openstack-http.js';
import {
  adminCloud,
  bedIsUp,
  bmcEvents,
  bmcPower,
  ctl,
  killProcess,
  resetBed,
  serversOf,
  type BedInfo,
} from './support/bed.js';
import { runCli, startWatchdog, writeWatchdogConfig, type Watchdog } from './support/watchdog.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

let bed: BedInfo;
let cloud: RawCloud;
let smtp: SmtpSink;
let wd: Watchdog | undefined;

const kind = (m: ReceivedMail) => String(m.parsed.headers.get('x-freezer-dr-kind') ?? '');
const hostOf = (s: NovaServer) => s['OS-EXT-SRV-ATTR:host'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  bed = await resetBed();
  cloud = adminCloud(bed);
  smtp = await startSmtpSink();
});

afterEach(async () => {
  // The watchdog goes first, so that nothing acts on the cloud while the next reset heals it.
  await wd?.stop();
  wd = undefined;
  await smtp?.close();
});

afterAll(async () => {
  // Leave a healthy cloud behind for whatever runs next.
  await resetBed();
});

/** Every line the BMC logged for `host` since `since` (ISO time). */
const eventsSince = (host: string, since: string) => bmcEvents(host).filter((l) => l.slice(0, 24) >= since);

describe('freezer-dr against a real Keystone + Nova (Debian 12, Zed) with ipmi_sim BMCs', () => {
  test('1. kill -9 of compute-1: detected, fenced via IPMI, forced down + disabled, every instance evacuated and verified, the right people mailed', async () => {
    const victim = 'compute-1';
    const before = serversOf(bed, victim);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const others = bed.servers.filter((s) => s.host !== victim);
    // Healthy before the kill, as `check` reads it: Debian's uwsgi nova-api sends no Date header,
    // so heartbeat ages are read against the freshest heartbeat, never this machine's clock.
    const check = await runCli(['check', '--json', '--config', writeWatchdogConfig(bed, { smtpPort: smtp.port })]);
    expect(check.code).toBe(0);
    const healthy = JSON.parse(check.stdout) as { clock: string; hosts: Array<{ verdict: string }>; gates: unknown[] };
    expect({ clock: healthy.clock, verdicts: healthy.hosts.map((h) => h.verdict), gates: healthy.gates }).toEqual({
      clock: 'heartbeat',
      verdicts: ['healthy', 'healthy', 'healthy'],
      gates: [],
    });
    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 's1' });
    const since = new Date().toISOString();

    const killedAt = Date.now();
    await killProcess(victim);
    expect(await bmcPower(bed, victim)).toBe('on'); // a hung host: its BMC still answers "on"

    const closed = await wd.waitFor(/closed: \S+/, 180_000);
    expect(closed).toMatch(/closed: resolved/);
    const recoveredInS = (Date.now() - killedAt) / 1000;

    // The BMC: powered off by freezer-dr (and nothing else happened to the other hosts).
    expect(await bmcPower(bed, victim)).toBe('off');
    expect(eventsSince(victim, since).join('\n')).toMatch(/power off/);
    for (const h of ['compute-2', 'compute-3']) expect(eventsSince(h, since)).toEqual([]);

    // Nova: the service is forced down and disabled with freezer-dr's reason.
    const svc = await cloud.service(victim);
    expect(svc).toMatchObject({ forced_down: true, status: 'disabled', state: 'down' });
    expect(svc.disabled_reason).toMatch(/^freezer-dr /);
    for (const h of ['compute-2', 'compute-3'])
      expect(await cloud.service(h)).toMatchObject({ forced_down: false, status: 'enabled', state: 'up' });

    // Nova: every instance ACTIVE on another host, with exactly one evacuation, `done`.
    for (const s of before) {
      const now = await cloud.server(s.id);
      expect({ name: now.name, status: now.status, task: now['OS-EXT-STS:task_state'] }).toEqual({
        name: s.name,
        status: 'ACTIVE',
        task: null,
      });
      expect(['compute-2', 'compute-3']).toContain(hostOf(now));
      const migs = await cloud.migrations(`instance_uuid=${s.id}&migration_type=evacuation`);
      expect(migs.map((m) => ({ status: m.status, source: m.source_compute, dest: m.dest_compute }))).toEqual([
        { status: 'done', source: victim, dest: hostOf(now) },
      ]);
    }
    // Nothing else moved.
    for (const s of others) {
      expect(hostOf(await cloud.server(s.id))).toBe(s.host);
      expect(await cloud.migrations(`instance_uuid=${s.id}`)).toEqual([]);
    }

    // SMTP: each affected project's members with an email get its mail (one mail per recipient),
    // nobody else; the admins get the summary.
    await waitUntil(
      'the mails',
      30_000,
      async () =>
        smtp.mails.some((m) => kind(m) === 'admin' && /evacuated/.test(m.parsed.subject ?? '')) &&
        smtp.mails.filter((m) => kind(m) === 'project').length >= 4,
    );
    await sleep(1000);
    const projectMails = smtp.mails.filter((m) => kind(m) === 'project');
    const adminMails = smtp.mails.filter((m) => kind(m) === 'admin');
    const recipientsOf = (name: string) => {
      const mails = projectMails.filter((m) => m.parsed.text?.includes(`YOUR INSTANCES IN PROJECT ${name}`));
      for (const m of mails) expect(m.rcptTo).toHaveLength(1);
      return mails.flatMap((m) => m.rcptTo).sort();
    };
    expect(recipientsOf('e2e-alpha')).toEqual(['alice@alpha.example', 'bob@alpha.example']);
    expect(recipientsOf('e2e-beta')).toEqual(['dave@beta.example']);
    // Nobody in e2e-gamma has an email: its mail goes to the admins instead.
    expect(recipientsOf('e2e-gamma')).toEqual(bed.admins);
    expect(projectMails).toHaveLength(4);
    const textFor = (name: string) =>
      projectMails
        .filter((m) => m.parsed.text?.includes(`YOUR INSTANCES IN PROJECT ${name}`))
        .map((m) => m.parsed.text ?? '')
        .join('\n');
    expect(textFor('e2e-alpha')).toContain('alpha-web-1');
    expect(textFor('e2e-alpha')).not.toContain('beta-app-1');
    expect(textFor('e2e-beta')).toContain('beta-app-1');
    expect(textFor('e2e-gamma')).toContain('gamma-svc-1');
    const summary = adminMails.find((m) => /compute-1 — 3\/3 instances evacuated/.test(m.parsed.subject ?? ''))!;
    expect(summary).toBeDefined();
    expect(summary.rcptTo).toEqual(bed.admins);
    for (const s of before) expect(summary.parsed.text).toContain(s.name);
    // The users without email, and the Keystone admin user (no email), were never mailed.
    const everyone = smtp.mails.flatMap((m) => m.rcptTo);
    expect(everyone.filter((r) => !/@(alpha|beta|bed)\.example$/.test(r))).toEqual([]);
    expect(bed.projects.find((p) => p.name === 'e2e-alpha')!.members.find((m) => m.name === 'carol')!.email).toBeNull();

    process.stdout.write(`scenario 1: kill -9 → closed: resolved in ${recoveredInS.toFixed(1)} s\n`);
  });

  test('2. the BMC of the failed host is unreachable: nothing is fenced or evacuated; the admins are told why', async () => {
    const victim = 'compute-1';
    const before = serversOf(bed, victim);
    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 's2' });
    const since = new Date().toISOString();
    await killProcess(`bmc-${victim}`);
    await killProcess(victim);

    const failed = await wd.waitFor(/closed: \S+|ended FAILED/, 180_000);
    expect(failed).toMatch(/fence-failed|ended FAILED/);
    // The watchdog's start-up preflight may already have read the dead BMC and said so in a mail of
    // its own: the alert this scenario is about is the fence failure's.
    const alert = await waitUntil('the admins to be mailed', 30_000, async () =>
      smtp.mails.find((m) => kind(m) === 'admin' && !/preflight/i.test(m.parsed.subject ?? '')),
    );
    expect(alert.rcptTo).toEqual(bed.admins);
    expect(alert.parsed.text).toMatch(/not confirmed|NOT confirmed/i);
    expect(alert.parsed.text).toContain(victim);
    // Let a few more monitor passes run: still nothing may happen.
    await sleep(5000);
    await wd.stop();
    wd = undefined;

    expect(eventsSince(victim, since)).toEqual([]);
    expect(await cloud.service(victim)).toMatchObject({ forced_down: false, status: 'enabled' });
    for (const s of before) {
      const now = await cloud.server(s.id);
      expect(hostOf(now)).toBe(victim);
      expect(await cloud.migrations(`instance_uuid=${s.id}`)).toEqual([]);
    }
    expect(smtp.mails.filter((m) => kind(m) === 'project')).toEqual([]);
    expect(smtp.mails.every((m) => m.rcptTo.every((r) => bed.admins.includes(r)))).toBe(true);
  });

  test('3. two hosts fail at once with a storm limit of one, the watchdog running: nothing is fenced; the admins are told', async () => {
    const victims = ['compute-1', 'compute-2'];
    // Hosts that die together go stale up to one report interval (5 s, plus updated_at's 1 s
    // resolution) apart. A grace longer than that keeps the first a suspect until the second is
    // one too, so the storm gate sees both; with grace 0 the storm limit only bounds how many
    // hosts get fenced (README: "Storm gate and grace").
    wd = await startWatchdog(bed, {
      smtpPort: smtp.port,
      logName: 's3',
      patch: (c) => {
        (c.monitor!.gates as Record<string, number>).maxFailedHosts = 1;
        c.monitor!.graceSeconds = 8;
      },
    });
    const since = new Date().toISOString();
    await Promise.all(victims.map((v) => killProcess(v)));
    const gate = await wd.waitFor(/monitor gate storm/, 60_000);
    for (const v of victims) expect(gate).toContain(v);
    const alert = await waitUntil('the storm alert', 30_000, async () =>
      smtp.mails.find((m) => /storm gate/.test(m.parsed.subject ?? '')),
    );
    expect(alert.rcptTo).toEqual(bed.admins);
    expect(alert.parsed.text).toContain('compute-1');
    expect(alert.parsed.text).toContain('compute-2');
    // Several more passes (the heartbeats only get older): still nothing.
    await sleep(8000);
    await wd.stop();
    wd = undefined;

    for (const v of victims) {
      expect(eventsSince(v, since)).toEqual([]);
      expect(await bmcPower(bed, v)).toBe('on');
      expect(await cloud.service(v)).toMatchObject({ forced_down: false, status: 'enabled' });
    }
    expect(await cloud.migrations('migration_type=evacuation&status=accepted')).toEqual([]);
    for (const s of bed.servers) expect(hostOf(await cloud.server(s.id))).toBe(s.host);
    // One alert for the episode, not one per pass.
    expect(smtp.mails.filter((m) => /storm gate/.test(m.parsed.subject ?? ''))).toHaveLength(1);
  });

  test('4. Nova unreachable from the watchdog (nova-api stopped) while compute-1 dies: nothing is fenced', async () => {
    const victim = 'compute-1';
    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 's4' });
    const since = new Date().toISOString();
    await ctl('stop', 'nova-api');
    await killProcess(victim);
    const gate = await wd.waitFor(/monitor gate observer/, 60_000);
    expect(gate).toMatch(/cannot observe the cloud/);
    const alert = await waitUntil('the observer alert', 30_000, async () =>
      smtp.mails.find((m) => /observer gate/.test(m.parsed.subject ?? '')),
    );
    expect(alert.rcptTo).toEqual(bed.admins);
    // Longer than detection would take (staleAfterSeconds 8 + a report interval): still nothing.
    await sleep(15_000);
    expect(eventsSince(victim, since)).toEqual([]);
    expect(await bmcPower(bed, victim)).toBe('on');
    await wd.stop();
    wd = undefined;

    // Bring nova-api (and compute-1) back without touching Nova's state, and read what it says.
    await ctl('up');
    expect(await cloud.service(victim)).toMatchObject({ forced_down: false, status: 'enabled' });
    for (const s of serversOf(bed, victim)) expect(await cloud.migrations(`instance_uuid=${s.id}`)).toEqual([]);
    expect(smtp.mails.every((m) => kind(m) === 'admin')).toBe(true);
  });

  test('5. return to service: `freezer-dr return` powers the host on through its BMC, waits for the clean-up, un-forces, waits for up, enables', async () => {
    const victim = 'compute-1';
    const before = serversOf(bed, victim);
    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 's5' });
    await killProcess(victim);
    expect(await wd.waitFor(/closed: \S+/, 180_000)).toMatch(/closed: resolved/);
    await wd.stop();
    const configPath = wd.configPath;
    wd = undefined;
    expect(await bmcPower(bed, victim)).toBe('off');
    await expect(ctl('pid', victim)).rejects.toThrow();
    const since = new Date().toISOString();

    const r = await runCli(['return', '--host', victim, '--config', configPath, '--timeout', '120']);
    expect({ code: r.code, output: r.output }).toEqual({
      code: 0,
      output: expect.stringContaining(`${victim}: up, enabled`),
    });
    const steps = [
      'powering on',
      'confirmed powered on',
      'cleaned up the evacuated instances',
      'no longer forced down',
      'is up',
      'enabled',
    ];
    const at = steps.map((s) => r.output.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);

    // The BMC powered the host on, and that started its nova-compute again.
    expect(eventsSince(victim, since).join('\n')).toMatch(/power on: nova-compute pid \d+/);
    expect(await bmcPower(bed, victim)).toBe('on');
    expect(Number((await ctl('pid', victim)).trim())).toBeGreaterThan(0);
    // Nova: the evacuations were cleaned up by the restarted compute, the service is back.
    const migs = await cloud.migrations(`source_compute=${victim}&migration_type=evacuation`);
    expect(migs.filter((m) => before.some((s) => s.id === m.instance_uuid)).map((m) => m.status)).toEqual(
      before.map(() => 'completed'),
    );
    expect(await cloud.service(victim)).toMatchObject({
      forced_down: false,
      state: 'up',
      status: 'enabled',
      disabled_reason: null,
    });
    // And the scheduler places instances on it again: a boot pinned to it becomes ACTIVE there.
    const boot = await cloud.nova<{ server: { id: string } }>('POST', '/servers', {
      mv: '2.74',
      body: {
        server: {
          name: 'e2e-returned',
          imageRef: bed.imageId,
          flavorRef: bed.flavors['e2e.tiny'],
          networks: 'none',
          host: victim,
        },
      },
    });
    expect(boot.status).toBe(202);
    const placed = await waitUntil('the new server ACTIVE or ERROR', 60_000, async () => {
      const s = await cloud.server(boot.body.server.id);
      return s.status === 'ACTIVE' || s.status === 'ERROR' ? s : undefined;
    });
    expect({ status: placed.status, host: hostOf(placed) }).toEqual({ status: 'ACTIVE', host: victim });
  });
});
