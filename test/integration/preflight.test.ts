import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main.js';
import { parseConfig } from '../../lib/config/index.js';
import { preflightAndAlert, runPreflight, setRuntime } from '../../lib/workflow/index.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

// The preflight (issue 12): every enabled host's BMC configured and answering, the microversion
// policy offered, the mail relay answering — against the simulator's Redfish BMCs and a real
// SMTP server; the admins hear once when a check starts failing.

let env: RecoveryEnv;
const NO_BMC = 'compute-5';
const preflightMails = () => env.smtp.messages.filter((m) => /Subject: .*preflight/i.test(m.raw));

beforeAll(async () => {
  env = await startRecoveryEnv({
    configPatch: (raw) => {
      delete (raw.fencing as { hosts: Record<string, unknown> }).hosts[NO_BMC];
    },
  });
});
afterAll(async () => {
  await env.stop();
});

describe('preflight', () => {
  test('reads every enabled BMC, checks the microversion policy and probes the SMTP relay', async () => {
    const report = await runPreflight(env.rt);
    const bmc = report.checks.filter((c) => c.check === 'bmc');
    expect(bmc.map((c) => c.target).sort()).toEqual([...env.sim.hosts].sort());
    expect(bmc.find((c) => c.target === NO_BMC)).toMatchObject({ ok: false, detail: expect.stringMatching(/no BMC/) });
    expect(bmc.filter((c) => c.target !== NO_BMC).every((c) => c.ok && /reads power on/.test(c.detail))).toBe(true);
    expect(report.checks.find((c) => c.check === 'microversion')).toMatchObject({ ok: true });
    expect(report.checks.find((c) => c.check === 'mail')).toMatchObject({ ok: true, detail: 'answers' });
    // The shared test config judges by Nova alone: the preflight says so rather than failing.
    expect(report.checks.find((c) => c.check === 'second-signal')).toMatchObject({ ok: true });
    expect(report.ok).toBe(false);
  });

  test('a BMC that refuses its credentials and a mail relay that does not answer are reported', async () => {
    env.sim.faults.bmc['compute-2']!.badCredentials = true;
    const channels = env.rt.config.notification.channels.map((c) =>
      c.driver === 'email' && c.transport.type === 'smtp' ? { ...c, transport: { ...c.transport, port: 9 } } : c,
    );
    const rt = { ...env.rt, config: { ...env.rt.config, notification: { ...env.rt.config.notification, channels } } };
    try {
      const report = await runPreflight(rt);
      expect(report.checks.find((c) => c.target === 'compute-2')).toMatchObject({ ok: false });
      expect(report.checks.find((c) => c.check === 'mail')).toMatchObject({ ok: false });
    } finally {
      env.sim.faults.bmc['compute-2']!.badCredentials = false;
    }
  });

  test('the second signal is checked: missing with confirmation second-signal, or unreadable, fails', async () => {
    const base = env.rt.config.monitor;
    const withMonitor = (monitor: typeof base) => ({ ...env.rt, config: { ...env.rt.config, monitor } });
    const missing = await runPreflight(
      withMonitor({ ...base, confirmation: 'second-signal', secondSignal: undefined }),
    );
    expect(missing.checks.find((c) => c.check === 'second-signal')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/not configured: nothing will be fenced/),
    });
    const unreachable = parseConfig(
      { cloud: { from: 'env' }, monitor: { secondSignal: { driver: 'prometheus', url: 'http://127.0.0.1:9' } } },
      'test',
    ).monitor;
    const dead = await runPreflight(withMonitor(unreachable));
    expect(dead.checks.find((c) => c.check === 'second-signal')).toMatchObject({ ok: false });
  });

  test('the admins are mailed once per newly failing check', async () => {
    const before = preflightMails().length;
    const first = await preflightAndAlert(env.rt);
    expect(first.degraded.map((c) => c.target)).toEqual([NO_BMC]);
    expect(preflightMails().length).toBe(before + 1);
    const second = await preflightAndAlert(env.rt);
    expect(second.degraded).toEqual([]);
    expect(preflightMails().length).toBe(before + 1);
    env.sim.faults.bmc['compute-3']!.unreachable = true;
    try {
      const third = await preflightAndAlert(env.rt);
      expect(third.degraded.map((c) => c.target)).toEqual(['compute-3']);
      expect(preflightMails().length).toBe(before + 2);
    } finally {
      env.sim.faults.bmc['compute-3']!.unreachable = false;
    }
  });

  test('check --preflight prints the checks and exits 1 when one fails', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fdr-preflight-')), 'freezer-dr.yaml');
    writeFileSync(path, stringify(env.raw));
    const out: string[] = [];
    const code = await main(['check', '--preflight', '--json', '--config', path], (s) => out.push(s));
    setRuntime(env.rt);
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n'));
    expect(report.checks.find((c: { target: string }) => c.target === NO_BMC).ok).toBe(false);
  });
});
