import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main.js';
import { createStore, type Incident } from '../../lib/incidents/index.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';
import { simCloud } from '../support/sim-cloud.js';

let sim: SimCloud;
const dir = mkdtempSync(join(tmpdir(), 'fdr-check-'));
const configPath = join(dir, 'freezer-dr.yaml');
const dbPath = join(dir, 'incidents.db');

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sim = await startSimCloud({ reportIntervalMs: 100, serviceDownTimeMs: 1000, rebuildMs: 100 });
  process.env.FDR_CHECK_TEST_PW = sim.admin.password;
  writeFileSync(
    configPath,
    stringify({
      cloud: simCloud(sim, 'env:FDR_CHECK_TEST_PW'),
      monitor: {
        staleAfterSeconds: 1,
        graceSeconds: 30,
        secondSignal: { driver: 'prometheus', url: sim.prometheusUrl },
      },
      store: { driver: 'sqlite', path: dbPath },
    }),
  );
});
afterAll(() => sim.stop());

describe('freezer-dr check shows what the monitor knows', () => {
  test("a suspect's grace progress comes from the persisted observations, not 0 s on every run", async () => {
    sim.crashHost('compute-1');
    await sleep(1500);
    const first = await run('check', '--config', configPath, '--json');
    const h1 = (JSON.parse(first.out) as { hosts: Array<{ host: string; verdict: string; suspectForSeconds: number }> })
      .hosts[0]!;
    expect(h1).toMatchObject({ host: 'compute-1', verdict: 'suspect' });
    await sleep(1200);
    const second = await run('check', '--config', configPath);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(
      /Confirmation: Nova and the second signal \(prometheus http:\/\/127\.0\.0\.1:\d+\) must agree/,
    );
    const line = second.out.split('\n').find((l) => l.startsWith('compute-1'))!;
    expect(line).toMatch(/unreachable\s+suspect\s+(\d+\.\d)\/30 s/);
    const progress = Number(/suspect\s+(\d+\.\d)\/30 s/.exec(line)![1]);
    expect(progress).toBeGreaterThan(h1.suspectForSeconds);
  });

  test('a host Nova calls down that still answers is its own verdict', async () => {
    sim.stopNovaCompute('compute-2');
    await sleep(1500);
    const r = await run('check', '--config', configPath);
    expect(r.out.split('\n').find((l) => l.startsWith('compute-2'))).toMatch(/alive\s+host-answers/);
    expect(r.out).toMatch(/check nova-compute and RabbitMQ on it; never fenced/);
  });

  test('paused: since when and by whom', async () => {
    process.env.USER = 'alice';
    expect((await run('pause', '--config', configPath)).code).toBe(0);
    const r = await run('check', '--config', configPath);
    expect(r.out).toMatch(/Recoveries: PAUSED since 20\d\d-.*Z by alice \(freezer-dr resume to lift\)/);
    await run('resume', '--config', configPath);
    expect((await run('check', '--config', configPath)).out).toMatch(/Recoveries: active/);
  });

  test('after a fence that failed: check names the incident and what to do', async () => {
    const store = await createStore({ driver: 'sqlite', path: dbPath });
    const at = new Date(Date.now() - 60_000).toISOString();
    const incident: Incident = {
      id: 'inc-compute-1-20261125T100000Z',
      host: 'compute-1',
      status: 'fence-failed',
      reason: 'test',
      requestedBy: 'monitor',
      detectedAt: at,
      createdAt: at,
      updatedAt: at,
      closedAt: at,
      dryRun: false,
      fence: null,
      isolation: null,
      plan: null,
      error: { name: 'BmcUnreachableError', message: 'no answer from the BMC' },
      notifications: [],
    };
    await store.createIncident(incident);
    await store.close();
    // Past grace: compute-1 would be "failed" — but its last fence failed.
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('graceSeconds: 30', 'graceSeconds: 0'));
    const r = await run('check', '--config', configPath);
    expect(r.out.split('\n').find((l) => l.startsWith('compute-1'))).toMatch(/fence-failed/);
    expect(r.out).toMatch(
      /FENCE FAILED compute-1: fence failed in incident inc-compute-1-20261125T100000Z \(BmcUnreachableError: no answer from the BMC\).*freezer-dr recover --host compute-1 --confirm-fenced/,
    );
    expect(r.out).not.toMatch(/would recover compute-1/);
  });
});
