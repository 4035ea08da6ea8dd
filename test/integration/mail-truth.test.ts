/**
 * What people receive, read back from a real SMTP server (test/support/smtp-sink.ts) after the real
 * state machine ran against the simulated cloud: the truth per instance (stopped, local disk,
 * volume), operator-requested recoveries, one subject prefix, project names on the admins' page,
 * and no per-project copies for admins unless configured.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js';

let env: RecoveryEnv | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await env?.stop();
  await sink?.close();
  env = undefined;
  sink = undefined;
});

/** The demo's admin: the sim's `admin` user, with a role in every project. */
const ADMIN = 'cloud-admins@example.org';

async function start(notification: Record<string, unknown> = {}): Promise<RecoveryEnv> {
  sink = await startSmtpSink();
  const port = sink.port;
  return startRecoveryEnv({
    configPatch: (c) => {
      const n = c.notification as Record<string, unknown> & { channels: Array<{ transport: { port: number } }> };
      n.channels[0]!.transport.port = port;
      Object.assign(n, { admins: [ADMIN], ...notification });
    },
  });
}

const to = (who: string) => (m: ReceivedMail) => m.rcptTo.map((r) => r.toLowerCase()).includes(who);
const text = (m: ReceivedMail | undefined) => m?.parsed.text ?? '';

describe('mails tell the truth per instance (real SMTP)', () => {
  test('a stopped instance was moved and is still stopped; a local root disk was rebuilt; admins get the summary only', async () => {
    env = await start();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host, { requestedBy: 'monitor', reason: 'nova-compute down' });
    expect(r.status).toBe('SUCCEEDED');

    const dave = sink!.mails.find(to('dave@data.example'));
    expect(dave).toBeDefined();
    expect(dave!.parsed.subject).toBe(`[freezer-dr] Host ${host} failed — your instance was moved to another host`);
    const body = text(dave);
    expect(body).toMatch(/data-etl-1: Moved to compute-\d+ and still stopped, as it was before: start it/);
    expect(body).not.toMatch(/running again/i);
    expect(body).toMatch(/Its root disk was local to compute-\d+ \(not a volume\): it was rebuilt from its image/);

    const alice = text(sink!.mails.find(to('alice@shop.example')));
    expect(alice).toMatch(/shop-web-1: Running again on compute-\d+ after a hard reboot/);

    // The admin has a role in every project: one summary, no per-project copies.
    const adminMails = sink!.mails.filter(to(ADMIN));
    expect(adminMails.map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/^\[freezer-dr\] RESOLVED /)]);
    // The admins' page names projects as Keystone does, beside their ids.
    const summary = text(adminMails[0]);
    expect(summary).toMatch(/project shop-frontend \([0-9a-f]{32}\)/);
    expect(summary).toMatch(/no project mail: its only reachable member is an admin|admin told by the summary instead/);
  });

  test('notification.adminsGetProjectMails: true gives the admins their per-project copies back', async () => {
    env = await start({ adminsGetProjectMails: true });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    const projects = new Set((await env.rt.store.listInstances(r.incidentId)).map((i) => i.projectId));
    expect(sink!.mails.filter(to(ADMIN))).toHaveLength(1 + projects.size);
  });

  test('a volume-backed instance kept its disk', async () => {
    env = await start();
    const vol = env.sim.snapshot().servers.find((s) => s.name === 'research-nb-3')!;
    expect(vol.imageId).toBeNull();
    env.sim.crashHost(vol.host!);
    await env.recover(vol.host!);
    const grace = text(sink!.mails.find(to('grace@research.example')));
    expect(grace).toMatch(
      /research-nb-3: Running again on compute-\d+ after a hard reboot[^\n]*\n?[^\n]*Its disk is a volume and was kept/,
    );
  });

  test('an operator-requested recovery is not "Host X failed"', async () => {
    env = await start();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    await env.recover(host, { requestedBy: 'operator:alice', reason: 'recovery requested by an operator' });
    const alice = sink!.mails.find(to('alice@shop.example'))!;
    expect(alice.parsed.subject).toBe(
      `[freezer-dr] Host ${host} taken out of service — your 2 instances were restarted on other hosts`,
    );
    expect(text(alice)).toMatch(new RegExp(`An operator took the compute host ${host} out of service`));
    expect(text(alice)).not.toMatch(/failed|stopped working/);
    const summary = text(sink!.mails.find(to(ADMIN)));
    expect(summary).toMatch(
      new RegExp(`Host ${host} was taken out of service at the request of operator:alice and was recovered`),
    );
  });
});
