import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main.js';
import { terminal } from '../../cli/terminal.js';
import { setRuntime } from '../../lib/workflow/index.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

// The manual paths of issue 12 (S1): an operator's word never evacuates a host that is running,
// powering off a host Nova reports up needs the host name typed, and a dry run says what the
// real run would meet. Each test checks that nothing changed when the CLI refuses.

let env: RecoveryEnv;
let configPath: string;
const realTerminal = { ...terminal };
const NO_BMC = 'compute-5';
const MANUAL = 'compute-6';

beforeAll(async () => {
  env = await startRecoveryEnv({
    configPatch: (raw) => {
      const fencing = raw.fencing as { hosts: Record<string, unknown> };
      delete fencing.hosts[NO_BMC];
      fencing.hosts[MANUAL] = { driver: 'manual' };
    },
  });
  configPath = join(mkdtempSync(join(tmpdir(), 'fdr-guard-')), 'freezer-dr.yaml');
  writeFileSync(configPath, stringify(env.raw));
});
afterAll(async () => {
  await env.stop();
});
afterEach(() => {
  Object.assign(terminal, realTerminal);
});

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    [...argv, '--config', configPath],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A terminal that answers every prompt with `answer`, recording the questions. */
function typing(answer: string): string[] {
  const asked: string[] = [];
  terminal.interactive = () => true;
  terminal.ask = async (q) => (asked.push(q), answer);
  return asked;
}

/** Everything that would show a change: Nova writes, BMC power requests, incidents. */
async function changes(host: string) {
  const writes = env.sim.requestLog.filter(
    (r) => (r.service === 'nova' && r.method !== 'GET') || (r.service === 'redfish' && r.method === 'POST'),
  );
  const incidents = (await env.rt.store.listIncidents({ limit: 100 })).filter((i) => i.host === host);
  return { writes: writes.length, incidents: incidents.length, power: env.sim.powerState(host) };
}

describe('recover --confirm-fenced is checked against what we can see', () => {
  test('a host whose BMC reads On and whose heartbeat is fresh is refused, exit 2, nothing changed', async () => {
    const before = await changes('compute-2');
    const r = await run('recover', '--host', 'compute-2', '--confirm-fenced');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing --confirm-fenced for compute-2/);
    expect(r.err).toMatch(/reads power On/);
    expect(r.err).toMatch(/heartbeat .* old/);
    expect(await changes('compute-2')).toEqual(before);
  });

  test('--force needs the host name typed at a terminal; anything else changes nothing', async () => {
    const before = await changes('compute-2');
    const noTty = await run('recover', '--host', 'compute-2', '--confirm-fenced', '--force');
    expect(noTty.code).toBe(2);
    expect(noTty.err).toMatch(/no terminal/);
    const asked = typing('compute-20');
    const wrong = await run('recover', '--host', 'compute-2', '--confirm-fenced', '--force');
    expect(wrong.code).toBe(2);
    expect(asked.join()).toMatch(/run every instance of compute-2 twice/);
    expect(wrong.out).toMatch(/not confirmed; nothing was done/);
    expect(await changes('compute-2')).toEqual(before);
  });

  test('--force without --confirm-fenced is a usage error', async () => {
    expect((await run('recover', '--host', 'compute-2', '--force')).code).toBe(2);
  });

  test('the state machine itself refuses an operator confirmation the BMC contradicts (e.g. --remote)', async () => {
    setRuntime(env.rt); // the CLI tests above installed (and closed) runtimes of their own
    const before = await changes('compute-3');
    const r = await env.recover('compute-3', { fence: 'confirmed-by-operator' });
    expect(r.status).toBe('FAILED');
    expect(r.error?.Error).toBe('OperatorConfirmationRefusedError');
    const after = await changes('compute-3');
    expect(after.writes).toBe(before.writes);
    expect(after.power).toBe('On');
  });

  test('a crashed host on the manual driver is recovered on the operator’s word', async () => {
    env.sim.crashHost(MANUAL);
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past staleAfterSeconds (1 s)
    const r = await run('recover', '--host', MANUAL, '--confirm-fenced');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/resolved/);
  });
});

describe('recover of a host Nova reports up asks first', () => {
  test('without a terminal it needs --yes; a wrong name does nothing', async () => {
    const before = await changes('compute-4');
    const noTty = await run('recover', '--host', 'compute-4');
    expect(noTty.code).toBe(2);
    expect(noTty.err).toMatch(/Nova reports compute-4 up/);
    expect(noTty.err).toMatch(/add --yes/);
    const asked = typing('compute-44');
    expect((await run('recover', '--host', 'compute-4')).code).toBe(2);
    expect(asked.join()).toMatch(/Power it OFF/);
    expect(await changes('compute-4')).toEqual(before);
  });

  test('typing the host name goes on: powered off and recovered', async () => {
    typing('compute-4');
    const r = await run('recover', '--host', 'compute-4', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.split('\n').at(-1) ?? '{}').incident.status).toBe('resolved');
    expect(env.sim.powerState('compute-4')).toBe('Off');
  });
});

describe('recover --dry-run reports what the real run would meet', () => {
  test('no BMC configured: exit 1, said plainly, nothing changed', async () => {
    const before = await changes(NO_BMC);
    const r = await run('recover', '--host', NO_BMC, '--dry-run');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/fence +NOT READY: no BMC is configured for compute-5/);
    expect(await changes(NO_BMC)).toEqual(before);
    // The real run stops before changing anything too.
    const real = await run('recover', '--host', NO_BMC, '--yes');
    expect(real.code).toBe(1);
    expect(real.err).toMatch(/would stop: no BMC is configured/);
    expect(await changes(NO_BMC)).toEqual(before);
  });

  test('--json: Nova’s view, the BMC reading, the microversion check and the plan', async () => {
    const r = await run('recover', '--host', 'compute-1', '--dry-run', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      host: 'compute-1',
      nova: { state: 'up', alive: true },
      fence: { mode: 'bmc', driver: 'redfish', power: 'on', problem: null },
      microversion: { policy: 'classic', ok: true },
      blockers: [],
      wouldRun: true,
    });
    expect(report.plan.items.length + report.plan.skipped.length).toBeGreaterThan(0);
  });

  test('a microversion policy the cloud does not offer is a blocker', async () => {
    const raw = structuredClone(env.raw) as { evacuation: Record<string, unknown> };
    raw.evacuation.microversionPolicy = 'stopped-at-destination';
    const path = configPath.replace(/\.yaml$/, '-295.yaml');
    writeFileSync(path, stringify(raw));
    const out: string[] = [];
    const code = await main(['recover', '--host', 'compute-1', '--dry-run', '--config', path], (s) => out.push(s));
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/needs 2\.95; the cloud offers up to 2\.93 — NOT SUPPORTED/);
  });
});
