import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';
import { simCloud } from '../support/sim-cloud.js';

let sim: SimCloud;
let configPath: string;
const dir = mkdtempSync(join(tmpdir(), 'fdr-cli-'));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  sim = await startSimCloud({ reportIntervalMs: 100, serviceDownTimeMs: 1000, rebuildMs: 100 });
  process.env.FDR_CLI_TEST_PW = sim.admin.password;
  process.env.FDR_CLI_TEST_BMC = sim.bmc('compute-1').password;
  configPath = join(dir, 'freezer-dr.yaml');
  writeFileSync(
    configPath,
    stringify({
      cloud: simCloud(sim, 'env:FDR_CLI_TEST_PW'),
      monitor: { staleAfterSeconds: 1, graceSeconds: 0 },
      fencing: {
        hosts: {
          'compute-1': {
            driver: 'redfish',
            address: sim.bmc('compute-1').url,
            username: sim.bmc('compute-1').username,
            password: 'env:FDR_CLI_TEST_BMC',
          },
        },
      },
      store: { driver: 'sqlite', path: join(dir, 'incidents.db') },
    }),
  );
});
afterAll(async () => {
  await sim.stop();
});

describe('freezer-dr CLI', () => {
  test('--help everywhere, exit 0; no command is a usage error', async () => {
    for (const cmd of ['start', 'demo', 'check', 'recover', 'return', 'incidents', 'fence', 'pause', 'resume']) {
      const r = await run(cmd, '--help');
      expect([cmd, r.code]).toEqual([cmd, 0]);
      expect(r.out).toMatch(/^Usage: freezer-dr/);
    }
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate')).err).toMatch(/unknown command "frobnicate"/);
  });

  test('bad arguments: a clear message, exit 2, no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['recover', '--config', 'x'], /--host is required/],
      [['recover', '--host', 'a b; rm -rf /', '--config', 'x'], /expected a host name/],
      [['recover', '--hots', 'compute-1'], /Unknown option '--hots'/],
      [['fence', 'reboot', '--host', 'compute-1'], /expected "status", "off" or "on"/],
      [['check', '--config', join(dir, 'missing.yaml')], /config file not found/],
      [['incidents', '--remote'], /FREEZER_DR_STORE_TABLE is not set/],
      [['recover', '--host', 'compute-1', '--remote'], /FREEZER_DR_STATE_MACHINE_ARN is not set/],
      [
        ['return', '--host', 'compute-1', '--timeout=-5', '--config', 'x'],
        /--timeout "-5": expected a positive number/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 2]);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  test('check prints every compute service and its decision; --json is machine-readable', async () => {
    const r = await run('check', '--config', configPath);
    expect(r.code).toBe(0);
    for (const h of sim.hosts) expect(r.out).toContain(h);
    const j = await run('check', '--config', configPath, '--json');
    const decision = JSON.parse(j.out) as { hosts: Array<{ host: string; verdict: string }> };
    expect(decision.hosts.map((h) => h.verdict)).toEqual(sim.hosts.map(() => 'healthy'));
  });

  test('recover --dry-run prints the plan and changes nothing', async () => {
    const writesBefore = sim.requestLog.filter((x) => x.method !== 'GET' && x.service !== 'keystone').length;
    const r = await run('recover', '--host', 'compute-1', '--dry-run', '--config', configPath);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\[dry run\] recovery of compute-1/);
    expect(r.out).toMatch(/nothing was changed/);
    expect(sim.requestLog.filter((x) => x.method !== 'GET' && x.service !== 'keystone').length).toBe(writesBefore);
    expect(sim.powerState('compute-1')).toBe('On');
  });

  test('fence status reads the BMC; a host without a BMC entry is a clear error', async () => {
    expect((await run('fence', 'status', '--host', 'compute-1', '--config', configPath)).out).toMatch(
      /compute-1: power on/,
    );
    const r = await run('fence', 'status', '--host', 'compute-2', '--config', configPath);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no BMC is configured for host compute-2/);
  });

  test('pause / resume are stored and shown', async () => {
    expect((await run('pause', '--config', configPath)).out).toMatch(/paused/);
    const refused = await run('recover', '--host', 'compute-1', '--config', configPath);
    expect(refused.code).toBe(4);
    expect((await run('resume', '--config', configPath)).out).toMatch(/resumed/);
  });

  test('secrets never reach the output', async () => {
    const r = await run('check', '--config', configPath, '--json');
    expect(r.out + r.err).not.toContain(sim.admin.password);
  });

  test('everything a command prints passes the redaction rule, --json included (S6)', async () => {
    // A recorded incident whose text carries a registered secret (a BMC answer that echoed it).
    const { createSqliteStore } = await import('../../lib/incidents/sqlite.js');
    const { registerSecret } = await import('../../lib/log/index.js');
    const secret = 'Zq8-unusual-bmc-secret-71';
    registerSecret(secret, 'test');
    const store = createSqliteStore(join(dir, 'incidents.db'));
    const now = new Date().toISOString();
    await store.createIncident({
      id: 'inc-compute-9-20261201T000000Z',
      host: 'compute-9',
      status: 'fence-failed',
      reason: `BMC said: login ${secret} refused`,
      detectedAt: now,
      requestedBy: 'test',
      createdAt: now,
      updatedAt: now,
    } as never);
    await store.close();
    for (const json of [[], ['--json']]) {
      const shown = await run('incidents', 'inc-compute-9-20261201T000000Z', ...json, '--config', configPath);
      expect(shown.code).toBe(0);
      expect(shown.out).toContain('login [redacted] refused');
      expect(shown.out + shown.err).not.toContain(secret);
    }
  });
});
