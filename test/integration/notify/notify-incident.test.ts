import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotificationSchema, type NotificationConfig } from '../../../lib/config/schemas.js';
import type { Incident, NotificationRecord } from '../../../lib/incidents/schemas.js';
import type { InstanceRecord } from '../../../lib/evacuation/schemas.js';
import { createSqliteStore } from '../../../lib/incidents/sqlite.js';
import type { IncidentStore } from '../../../lib/incidents/store.js';
import { clearSecretsForTests, createLogger } from '../../../lib/log/index.js';
import { notifyIncident, type NotifyDeps } from '../../../lib/notify/index.js';
import { freePort, startSmtpSink, type ReceivedMail, type SmtpSink } from '../../support/smtp-sink.js';
import {
  at,
  fakeKeystoneSession,
  instance,
  sampleEvents,
  sampleIncident,
  sampleKeystone,
  seed,
} from '../../unit/notify/fixtures.js';

const PASSWORD = 'S3cret-smtp-pa55word';
const env = { FDR_TEST_SMTP_PASSWORD: PASSWORD };
const ADMINS = ['ops@example.org', 'Oncall@example.org'];

function config(port: number, over: Partial<Record<string, unknown>> = {}): NotificationConfig {
  return NotificationSchema.parse({
    admins: ADMINS,
    memberRoles: ['member'],
    projectRecipients: { 'p-web': ['web-team@example.org', 'BOB@example.org'] },
    timeZone: 'Europe/Paris',
    channels: [
      {
        driver: 'email',
        transport: {
          type: 'smtp',
          host: '127.0.0.1',
          port,
          security: 'none',
          username: 'freezer',
          password: 'env:FDR_TEST_SMTP_PASSWORD',
        },
        from: 'freezer-dr <dr@example.org>',
      },
    ],
    ...over,
  });
}

const logLines: string[] = [];
const log = createLogger({ level: 'debug', write: (l) => logLines.push(l) });

let sink: SmtpSink;
let store: IncidentStore;

function deps(over: Partial<NotifyDeps> = {}): NotifyDeps {
  return {
    config: config(sink.port),
    session: fakeKeystoneSession(sampleKeystone()),
    store,
    log,
    now: () => new Date(at(125)),
    env,
    retry: { attempts: 3, baseDelayMs: 5 },
    ...over,
  };
}

const rcpts = (mails: ReceivedMail[]) =>
  mails
    .flatMap((m) => m.rcptTo)
    .map((a) => a.toLowerCase())
    .sort();
const kindOf = (m: ReceivedMail) => String(m.parsed.headers.get('x-freezer-dr-kind'));
const projectMails = (mails: ReceivedMail[], project: string) =>
  mails.filter((m) => kindOf(m) === 'project' && (m.parsed.text ?? '').includes(`PROJECT ${project}`));

beforeEach(async () => {
  clearSecretsForTests();
  logLines.length = 0;
  sink = await startSmtpSink({ auth: { user: 'freezer', pass: PASSWORD } });
  store = createSqliteStore(':memory:');
});

afterEach(async () => {
  await sink.close();
  await store.close();
});

async function seedResolved(): Promise<{ incident: Incident; instances: InstanceRecord[] }> {
  const incident = sampleIncident({ status: 'resolved' });
  const instances = [
    instance('i-web-1'),
    instance('i-web-2', { targetHost: 'compute-3', startedAt: at(46), finishedAt: at(80) }),
    instance('i-db-1', { projectId: 'p-db', targetHost: 'compute-4', startedAt: at(47), finishedAt: at(90) }),
  ];
  await seed(store, incident, instances, sampleEvents());
  return { incident, instances };
}

describe('notifyIncident over a real SMTP server', () => {
  test('recipients: members by effective role assignment, role filter, no-email skipped, configured extras, admins as fallback and summary', async () => {
    const { incident } = await seedResolved();
    const session = fakeKeystoneSession(sampleKeystone());
    const records = await notifyIncident(deps({ session }), incident.id);
    const mails = await sink.waitFor(8);
    expect(mails).toHaveLength(8);
    for (const m of mails) expect(m.rcptTo).toHaveLength(1); // one mail per recipient, each an envelope recipient

    // p-web: alice + bob (direct, member), frank (through group g-ops, effective), configured extras.
    // Not carol (no email), dave (disabled), erin (reader only), mallory (default_project_id only).
    expect(rcpts(projectMails(mails, 'p-web'))).toEqual([
      'alice@example.org',
      'bob@example.org',
      'frank@example.org',
      'web-team@example.org',
    ]);
    // p-db: its only member has no email → the admins get the project mail, and it says why.
    const db = projectMails(mails, 'p-db');
    expect(rcpts(db)).toEqual(['oncall@example.org', 'ops@example.org']);
    expect(db[0]!.parsed.text).toContain('nobody in project p-db');
    // Admin summary: each admin is a real envelope recipient (never only a Cc header).
    const summaries = mails.filter((m) => kindOf(m) === 'admin');
    expect(rcpts(summaries)).toEqual(['oncall@example.org', 'ops@example.org']);
    for (const m of summaries) expect(m.parsed.cc).toBeUndefined();

    // Keystone was asked the right questions: effective role assignments, then users by id.
    const ra = session.calls.filter((c) => c.path === '/role_assignments');
    expect(ra.map((c) => c.query?.['scope.project.id']).sort()).toEqual(['p-db', 'p-web']);
    for (const c of ra) expect(c.query).toMatchObject({ effective: true, include_names: true });
    expect(session.calls.some((c) => c.path === '/users/u-mallory')).toBe(false);
    expect(
      session.calls.every(
        (c) => c.path === '/role_assignments' || c.path.startsWith('/users/') || c.path.startsWith('/projects/'),
      ),
    ).toBe(true);

    // Records: one per delivery, all ok, stored in the incident.
    expect(records).toHaveLength(8);
    expect(records.every((r) => r.ok)).toBe(true);
    const stored = await store.getIncident(incident.id);
    expect(stored!.notifications).toEqual(records);
    const fallbackRecords = records.filter((r) => r.detail?.includes('fallback'));
    expect(fallbackRecords).toHaveLength(2);
    // The summary names the fallback.
    expect(summaries[0]!.parsed.text).toMatch(
      /p-db: no reachable member \(1 member without an email address\) — sent to the admins instead/,
    );
    expect(summaries[0]!.parsed.text).toMatch(
      /p-web: 4 recipients \(5 members by role assignment, 2 configured, 2 without email skipped, 1 filtered out by role\)/,
    );
  });

  test('success: one project mail per incident with instances, old and new host, outcome and local time; text and HTML', async () => {
    const { incident } = await seedResolved();
    await notifyIncident(deps(), incident.id);
    const mails = await sink.waitFor(8);
    const alice = mails.find((m) => m.rcptTo[0]!.toLowerCase() === 'alice@example.org')!;
    const p = alice.parsed;
    expect(p.subject).toBe('[freezer-dr] Host compute-1 failed — your 2 instances were restarted on other hosts');
    expect(p.from?.value).toEqual([{ name: 'freezer-dr', address: 'dr@example.org' }]);
    expect(p.messageId).toMatch(/^<inc-compute-1-20250304T140500Z\.project\.[0-9a-f]{20}@freezer-dr>$/);
    expect(p.headers.get('auto-submitted')).toBe('auto-generated');
    expect(p.headers.get('x-freezer-dr-incident')).toBe(incident.id);
    for (const body of [p.text!, String(p.html)]) {
      expect(body).toContain('web-1');
      expect(body).toContain('web-2');
      expect(body).not.toContain('db-1'); // another project's instance
      expect(body).toContain('compute-2');
      expect(body).toContain('compute-3');
      expect(body).toContain('evacuated');
      expect(body).toContain('2025-03-04 15:06:15 CET'); // finished at 14:06:15Z, shown in Europe/Paris
      expect(body).toContain('inc-compute-1-20250304T140500Z');
    }
    expect(p.text).toMatch(/hosts: +compute-1 -> compute-2/);
    expect(String(p.html)).toMatch(/^<!DOCTYPE html>/);
    expect(String(p.html)).not.toMatch(/<script|<link|src="http/i);
    // The admin summary: timeline, durations, commands, chart made of tables.
    const summary = mails.find((m) => kindOf(m) === 'admin')!.parsed;
    expect(summary.subject).toBe(
      '[freezer-dr] RESOLVED compute-1 — 3/3 instances evacuated (inc-compute-1-20250304T140500Z)',
    );
    expect(summary.text).toContain('Detected → power-off confirmed:');
    expect(summary.text).toContain(
      'powered off through ipmi (ipmi admin@10.0.0.11:623), confirmed after 3 power-state reads',
    );
    expect(summary.text).toContain('$ freezer-dr incidents inc-compute-1-20250304T140500Z');
    expect(summary.text).toContain('No gate fired');
    expect(summary.text).toMatch(/ {4}web-1 +\|[ #]{40}\| 30 s/);
    expect(String(summary.html)).toContain('bgcolor="#15803d"'); // an evacuated instance's bar
  });

  test('partial failure: the Nova fault message reaches the project and the admins', async () => {
    const incident = sampleIncident({ status: 'partial' });
    const fault = 'No valid host was found. There are not enough hosts available.';
    await seed(
      store,
      incident,
      [
        instance('i-web-1'),
        instance('i-web-2', { outcome: 'failed', targetHost: null, reason: fault, finishedAt: at(60) }),
        instance('i-web-3', {
          outcome: 'skipped',
          targetHost: null,
          reason: 'vm_state shelved_offloaded is not evacuable',
          startedAt: null,
          finishedAt: null,
        }),
        instance('i-web-4', { outcome: 'timeout', targetHost: null, reason: 'still REBUILD after 600 s' }),
      ],
      [
        ...sampleEvents(),
        { at: at(41), step: 'gate', message: 'storm gate: 1 of 8 hosts down (limit 1): allowed', instanceId: null },
      ],
    );
    const records = await notifyIncident(deps(), incident.id);
    expect(records.every((r) => r.ok)).toBe(true);
    const mails = await sink.waitFor(6);
    const bob = mails.find((m) => m.rcptTo[0] === 'bob@example.org')!.parsed;
    expect(bob.subject).toBe(
      '[freezer-dr] ACTION NEEDED — Host compute-1 failed — 3 of your 4 instances are not running',
    );
    for (const body of [bob.text!, String(bob.html)]) {
      expect(body).toContain(fault);
      expect(body).toContain('FAILED');
      expect(body).toContain('TIMED OUT');
      expect(body).toContain('vm_state shelved_offloaded is not evacuable');
      expect(body).toContain('Do not delete it');
    }
    const summary = mails.find((m) => kindOf(m) === 'admin')!.parsed;
    expect(summary.subject).toBe(
      '[freezer-dr] PARTIAL compute-1 — 1/3 evacuated, 2 NOT recovered, 1 skipped (inc-compute-1-20250304T140500Z)',
    );
    expect(summary.text).toContain(fault);
    expect(summary.text).toContain('storm gate: 1 of 8 hosts down');
    expect(summary.text).toContain('$ openstack server show i-web-2');
    expect(String(summary.html)).toContain(fault);
  });

  test('fence failure: the admins are told the host is NOT off, nothing was evacuated, and what to do', async () => {
    const incident = sampleIncident({
      status: 'fence-failed',
      fence: null,
      isolation: null,
      plan: null,
      error: { name: 'PowerOffTimeoutError', message: 'compute-1 still reads power on after 30 s' },
    });
    await seed(
      store,
      incident,
      [],
      [
        { at: at(30), step: 'detect', message: 'compute-1 down', instanceId: null },
        { at: at(31), step: 'fence', message: 'powering off compute-1 via ipmi admin@10.0.0.11:623', instanceId: null },
        {
          at: at(61),
          step: 'fence',
          message: 'fence of compute-1 NOT confirmed: compute-1 still reads power on after 30 s',
          instanceId: null,
        },
      ],
    );
    const records = await notifyIncident(deps(), incident.id);
    const mails = await sink.waitFor(2);
    expect(mails).toHaveLength(2);
    expect(records.map((r) => r.kind)).toEqual(['admin', 'admin']);
    expect(rcpts(mails)).toEqual(['oncall@example.org', 'ops@example.org']);
    const m = mails[0]!.parsed;
    expect(m.subject).toBe(
      '[freezer-dr] FENCE FAILED compute-1 — NOT confirmed powered off, nothing was evacuated (inc-compute-1-20250304T140500Z)',
    );
    for (const body of [m.text!, String(m.html)]) {
      expect(body).toContain('NOT confirmed powered off');
      expect(body.toLowerCase()).toContain('nothing was evacuated');
      expect(body).toContain('The BMC of compute-1 answered, but the host was not read as off');
      expect(body).toContain('freezer-dr recover --host compute-1 --confirm-fenced');
      expect(body).toContain('PowerOffTimeoutError');
    }
  });

  test('idempotent: a second run sends nothing new and records nothing new', async () => {
    const { incident } = await seedResolved();
    const first = await notifyIncident(deps(), incident.id);
    await sink.waitFor(8);
    const second = await notifyIncident(deps(), incident.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toEqual([]);
    expect(sink.mails).toHaveLength(8);
    expect((await store.getIncident(incident.id))!.notifications).toHaveLength(first.length);
    // Message-IDs are deterministic and unique per recipient and kind.
    const ids = sink.mails.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(8);
    expect(first.map((r) => r.messageId).sort()).toEqual([...ids].sort());
  });

  test('transient SMTP refusals are retried with backoff', async () => {
    await sink.close();
    sink = await startSmtpSink({ auth: { user: 'freezer', pass: PASSWORD }, failFirst: 2 });
    const { incident } = await seedResolved();
    const records = await notifyIncident(deps(), incident.id);
    expect(sink.rejected).toBe(2);
    expect(records.every((r) => r.ok)).toBe(true);
    expect(records.some((r) => /delivered after [23] attempts/.test(r.detail ?? ''))).toBe(true);
    expect(sink.mails).toHaveLength(8);
  });

  test('SMTP down then up: failures are recorded (no throw), the next run delivers only what is missing', async () => {
    const { incident } = await seedResolved();
    const port = await freePort();
    await sink.close();
    const started = Date.now();
    const down = await notifyIncident(deps({ config: config(port) }), incident.id);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(down.length).toBeGreaterThanOrEqual(8);
    expect(down.every((r) => !r.ok)).toBe(true);
    expect(down.some((r) => /after 3 attempts: .*ECONNREFUSED/.test(r.detail ?? ''))).toBe(true);
    // Once the channel is known to be down, the other recipients do not each wait for 3 attempts.
    expect(down.filter((r) => r.detail?.startsWith('not attempted')).length).toBeGreaterThan(0);
    expect((await store.getIncident(incident.id))!.notifications).toHaveLength(down.length);

    sink = await startSmtpSink({ auth: { user: 'freezer', pass: PASSWORD }, port });
    const up = await notifyIncident(deps({ config: config(port) }), incident.id);
    expect(up.every((r) => r.ok)).toBe(true);
    await sink.waitFor(8);
    expect(sink.mails).toHaveLength(8);
    const stored = (await store.getIncident(incident.id))!.notifications;
    expect(stored).toHaveLength(down.length + up.length);
    // A third run has nothing left to do.
    expect(await notifyIncident(deps({ config: config(port) }), incident.id)).toEqual([]);
  });

  test('no OpenStack session: no project mail, and the admin summary says so', async () => {
    const { incident } = await seedResolved();
    const records = await notifyIncident(deps({ session: null }), incident.id);
    expect(records.map((r) => r.kind)).toEqual(['admin', 'admin']);
    const mails = await sink.waitFor(2);
    expect(mails[0]!.parsed.text).toContain('Project members were not told: no OpenStack session');
  });

  test('operator templates override the built-in ones per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-templates-'));
    writeFileSync(
      join(dir, 'project.txt.eta'),
      'Custom notice for <%= it.project.id %>: <%= it.project.instances.map((i) => i.name).join(", ") %>\n',
    );
    const { incident } = await seedResolved();
    await notifyIncident(deps({ templatesDir: dir }), incident.id);
    const mails = await sink.waitFor(8);
    const alice = mails.find((m) => m.rcptTo[0]!.toLowerCase() === 'alice@example.org')!.parsed;
    expect(alice.text).toBe('Custom notice for p-web: web-1, web-2\n');
    expect(String(alice.html)).toContain('What this means for you'); // the HTML part stays built-in
    const summary = mails.find((m) => kindOf(m) === 'admin')!.parsed;
    expect(summary.text).toContain('RESOLVED: host compute-1');
  });

  test('S6: the SMTP password appears in no mail, no record and no log line', async () => {
    const { incident } = await seedResolved();
    const records = await notifyIncident(deps(), incident.id);
    const mails = await sink.waitFor(8);
    expect(mails.every((m) => m.user === 'freezer')).toBe(true); // it was used to authenticate
    for (const m of mails) expect(m.raw).not.toContain(PASSWORD);
    expect(JSON.stringify(records)).not.toContain(PASSWORD);
    expect(JSON.stringify(await store.getIncident(incident.id))).not.toContain(PASSWORD);
    expect(logLines.join('\n')).not.toContain(PASSWORD);
  });

  test('a wrong SMTP password is a recorded failure, not retried, never thrown, never shown', async () => {
    const { incident } = await seedResolved();
    const records: NotificationRecord[] = await notifyIncident(
      deps({ env: { FDR_TEST_SMTP_PASSWORD: 'wrong-password-123' } }),
      incident.id,
    );
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => !r.ok)).toBe(true);
    expect(records[0]!.detail).toMatch(/535|auth/i);
    expect(records[0]!.detail).not.toMatch(/after 3 attempts/);
    expect(JSON.stringify(records)).not.toContain('wrong-password-123');
    expect(sink.mails).toHaveLength(0);
  });

  test('an unresolvable secret disables the channel but never throws', async () => {
    const { incident } = await seedResolved();
    const records = await notifyIncident(deps({ env: {} }), incident.id);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => !r.ok && /FDR_TEST_SMTP_PASSWORD is not set/.test(r.detail ?? ''))).toBe(true);
  });

  test('an unknown incident is the only thing that throws', async () => {
    await expect(notifyIncident(deps(), 'inc-nope')).rejects.toMatchObject({ name: 'IncidentNotFoundError' });
  });
});
