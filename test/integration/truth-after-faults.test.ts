/**
 * Nothing misleading after a fault: a fence whose record cannot be written (a full disk) is
 * reported from a fresh power reading, never as "NOT confirmed" for a host that is off; a mail
 * that could not be sent is never reported as sent. Real SMTP server (test/support/smtp-sink.ts).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import type { IncidentStore } from '../../lib/incidents/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

let env: RecoveryEnv | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await env?.stop();
  await sink?.close();
  env = undefined;
  sink = undefined;
});

/** What SQLite says when the disk is full. */
const diskFull = () =>
  Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });

/**
 * The store as a full disk leaves it: reads work; from the write that records the fence on, every
 * write fails (`once`: only that write fails, as when space comes back a moment later).
 */
function diskFullAtFence(store: IncidentStore, opts: { once: boolean }): IncidentStore & { failedWrites: number } {
  let full = false;
  let failedWrites = 0;
  const guard = async <T>(isFenceRecord: boolean, write: () => Promise<T>): Promise<T> => {
    if (isFenceRecord && failedWrites === 0) full = true;
    if (full) {
      failedWrites++;
      if (opts.once) full = false;
      throw diskFull();
    }
    return write();
  };
  return {
    ...store,
    get failedWrites() {
      return failedWrites;
    },
    updateIncident: (id, patch) => guard(patch.fence != null, () => store.updateIncident(id, patch)),
    appendEvent: (id, e) => guard(false, () => store.appendEvent(id, e)),
    putInstance: (r) => guard(false, () => store.putInstance(r)),
    getIncident: (id) => store.getIncident(id),
    listEvents: (id) => store.listEvents(id),
    listInstances: (id) => store.listInstances(id),
    getInstance: (a, b) => store.getInstance(a, b),
    close: () => store.close(),
  };
}

async function envWithSink(smtp: Parameters<typeof startSmtpSink>[0] = {}): Promise<RecoveryEnv> {
  sink = await startSmtpSink(smtp);
  const port = sink.port;
  return startRecoveryEnv({
    configPatch: (c) => {
      const n = c.notification as { channels: Array<{ transport: { port: number } }> };
      n.channels[0]!.transport.port = port;
    },
  });
}

const adminMail = (s: SmtpSink) => s.mails.find((m) => m.rcptTo.includes('ops@example.org'));

describe('truth after a fault: the fence record cannot be written', () => {
  test('disk full from the fence on: the host reads off, and the mail and the output say so', async () => {
    env = await envWithSink();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const real = env.rt.store;
    const store = diskFullAtFence(real, { once: false });
    env.rt.store = store;

    const r = await env.recover(host);

    expect(env.sim.powerState(host)).toBe('Off');
    expect(store.failedWrites).toBeGreaterThan(0);
    // Nothing evacuated: without its records a run cannot keep S5.
    expect(env.sim.requestLog.filter((x) => x.method === 'POST' && /\/action$/.test(x.path))).toEqual([]);
    // The output (the execution's Cause) tells the truth: off, the admins told, the store not written.
    expect(r.status).toBe('FAILED');
    expect(r.error?.Error).toBe('RecoveryFailed');
    expect(r.error?.Cause).toMatch(new RegExp(`${host} was powered off`));
    expect(r.error?.Cause).toMatch(/reads powered off through redfish/);
    expect(r.error?.Cause).toMatch(/the admins were told/);
    expect(r.error?.Cause).toMatch(/incident store could not be written \(database or disk is full\)/);
    expect(r.error?.Cause).not.toMatch(/NOT confirmed/);
    // The mail that went out says the host is off.
    const mail = adminMail(sink!);
    expect(mail).toBeDefined();
    const text = mail!.parsed.text ?? '';
    expect(mail!.parsed.subject).toMatch(/^\[freezer-dr\] FAILED /);
    expect(text).toMatch(/reads powered off through redfish/);
    expect(text).toMatch(/already off when read through redfish/);
    expect(text).not.toMatch(/NOT confirmed powered off/);
    expect(text).toMatch(/The incident store could not be written/);
  });

  test('the fence record fails once: the incident records the host off (read again), not "NOT confirmed"', async () => {
    env = await envWithSink();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.rt.store = diskFullAtFence(env.rt.store, { once: true });

    const r = await env.recover(host);

    expect(r.error?.Error).toBe('RecoveryFailed');
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('failed');
    expect(incident?.fence).toMatchObject({ fenced: true, method: 'redfish', alreadyOff: true });
    expect(incident?.error?.name).toBe('FenceNotRecordedError');
    const events = (await env.rt.store.listEvents(r.incidentId)).map((e) => e.message).join('\n');
    expect(events).toMatch(/reads powered off through redfish/);
    expect(events).not.toMatch(/NOT confirmed/);
    expect(r.error?.Cause).not.toMatch(/store could not be written/);
  });
});

describe('truth after a fault: a mail that could not be sent is never reported as sent', () => {
  test('the SMTP server refuses every mail: the output says the admins could not be told, and why', async () => {
    env = await envWithSink({ failFirst: 1000 });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.badCredentials = true;

    const r = await env.recover(host);

    expect(r.error?.Error).toBe('FenceNotConfirmed');
    expect(sink!.mails).toEqual([]);
    expect(sink!.rejected).toBeGreaterThan(0);
    expect(r.error?.Cause).not.toMatch(/admins were told/);
    expect(r.error?.Cause).toMatch(/could not tell the admins: .*Try again later/);
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.notifications.filter((n) => n.ok)).toEqual([]);
  });

  test('the same fault with a working SMTP server: "the admins were told", and the mail names the real cause', async () => {
    env = await envWithSink();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.bmc[host]!.badCredentials = true;

    const r = await env.recover(host);

    expect(r.error?.Cause).toMatch(/NOT confirmed powered off.*; the admins were told\.$/);
    const text = adminMail(sink!)!.parsed.text ?? '';
    expect(text).toMatch(/refused the login: check the user name and password/);
    expect(text).toContain(`freezer-dr incidents ${r.incidentId} --html ${r.incidentId}.html`);
  });
});
