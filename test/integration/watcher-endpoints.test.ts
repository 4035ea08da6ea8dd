import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runWatcher } from '../../cli/commands/start.js';
import { main } from '../../cli/main.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';

/**
 * `start --listen`: /metrics scraped by a real Prometheus (Debian's package, its binary run here
 * on 127.0.0.1 with a temporary config), /healthz and /readyz before and after the cloud goes away.
 */
const PROMETHEUS = '/usr/bin/prometheus';
const hasPrometheus = existsSync(PROMETHEUS);
if (!hasPrometheus && process.env.CI)
  throw new Error('CI must install the Debian package prometheus (test/e2e/bed/install.sh lists it)');

const dir = mkdtempSync(join(tmpdir(), 'fdr-watch-'));
let sim: SimCloud;
let url = '';
const abort = new AbortController();
let watcher: Promise<number>;
const lines: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = async (path: string) => {
  const r = await fetch(url + path);
  return { status: r.status, body: await r.text() };
};

beforeAll(async () => {
  sim = await startSimCloud({ reportIntervalMs: 100, serviceDownTimeMs: 1000 });
  process.env.FDR_WATCH_TEST_PW = sim.admin.password;
  const configPath = join(dir, 'freezer-dr.yaml');
  writeFileSync(
    configPath,
    stringify({
      cloud: {
        from: 'inline',
        authUrl: sim.authUrl,
        requestTimeoutSeconds: 1,
        auth: {
          type: 'password',
          username: sim.admin.username,
          password: 'env:FDR_WATCH_TEST_PW',
          projectName: sim.admin.projectName,
        },
      },
      monitor: { intervalSeconds: 0.2, staleAfterSeconds: 5, graceSeconds: 5 },
      store: { driver: 'sqlite', path: join(dir, 'incidents.db') },
    }),
  );
  watcher = runWatcher(configPath, {
    out: (l) => lines.push(l),
    signal: abort.signal,
    listen: { host: '127.0.0.1', port: 0 },
  });
  url = await until('the listener', async () =>
    lines.map((l) => /^serving (http:\/\/[^/\s]+)\//.exec(l)?.[1]).find(Boolean),
  );
});

afterAll(async () => {
  abort.abort();
  await watcher;
  await sim.stop();
});

describe('start --listen', () => {
  test('/metrics is Prometheus text with the catalog; unknown paths 404; only GET', async () => {
    await until('a pass', async () => ((await get('/readyz')).status === 200 ? true : undefined));
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^# TYPE freezer_dr_monitor_pass_duration_seconds histogram$/m);
    expect(m.body).toMatch(/^freezer_dr_monitor_pass_duration_seconds_count [1-9]\d*$/m);
    expect(m.body).toMatch(/^freezer_dr_observer_consecutive_failures 0$/m);
    expect((await get('/nope')).status).toBe(404);
    expect((await fetch(url + '/metrics', { method: 'POST' })).status).toBe(405);
  });

  test('a real Prometheus scrapes /metrics and can query it', async () => {
    if (!hasPrometheus) return; // locally without the package; CI fails above instead
    const port = await freePort();
    const data = mkdtempSync(join(dir, 'prom-'));
    const target = new URL(url).host;
    writeFileSync(
      join(data, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'freezer-dr', static_configs: [{ targets: [target] }] }],
      }),
    );
    const prom: ChildProcess = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(data, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(data, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const api = `http://127.0.0.1:${port}/api/v1`;
      const health = await until('the first scrape', async () => {
        const r = (await (await fetch(`${api}/targets`)).json()) as {
          data: { activeTargets: Array<{ health: string; lastError: string }> };
        };
        const t = r.data.activeTargets[0];
        return t && t.health !== 'unknown' ? t : undefined;
      });
      expect(health).toEqual(expect.objectContaining({ health: 'up', lastError: '' }));
      const q = await until('a sample', async () => {
        const r = (await (
          await fetch(`${api}/query?query=${encodeURIComponent('freezer_dr_monitor_pass_duration_seconds_count')}`)
        ).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        return r.data.result.length ? r.data.result : undefined;
      });
      expect(Number(q[0]!.value[1])).toBeGreaterThan(0);
      expect(q[0]!.metric.job).toBe('freezer-dr');
    } finally {
      prom.kill('SIGTERM');
    }
  });

  test('/healthz and /readyz: ok while the cloud answers, 503 once it does not', async () => {
    const ok = await get('/healthz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, lastPassOk: true, blindPassesInARow: 0 });
    expect((await get('/readyz')).status).toBe(200);

    // Every Nova call now fails: the observer gate fires and the watcher is blind.
    sim.faults.nova.failNext = 1_000_000;
    const notReady = await until('readyz 503', async () => {
      const r = await get('/readyz');
      return r.status === 503 ? r : undefined;
    });
    expect(JSON.parse(notReady.body)).toMatchObject({ ok: false, lastPassOk: false });
    const unhealthy = await until('healthz 503', async () => {
      const r = await get('/healthz');
      return r.status === 503 ? r : undefined;
    });
    expect(JSON.parse(unhealthy.body).blindPassesInARow).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(unhealthy.body).lastError).toMatch(/os-services/);
    const m = await get('/metrics');
    expect(m.body).toMatch(/^freezer_dr_gate_firings_total\{gate="observer"\} [1-9]\d*$/m);
    expect(m.body).toMatch(/^freezer_dr_observer_consecutive_failures ([3-9]|[1-9]\d+)$/m);

    // The cloud comes back: ready and healthy again.
    sim.faults.nova.failNext = 0;
    await until('readyz 200', async () => ((await get('/readyz')).status === 200 ? true : undefined));
    expect((await get('/healthz')).status).toBe(200);
  });
});

describe('start without a config', () => {
  test('exits 2 with a hint naming --config and the demo', async () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'fdr-noconf-')));
    const err: string[] = [];
    try {
      const code = await main(
        ['start'],
        () => undefined,
        (s) => err.push(s),
      );
      expect(code).toBe(2);
    } finally {
      process.chdir(cwd);
    }
    expect(err.join('\n')).toMatch(/config file not found: freezer-dr\.yaml/);
    expect(err.join('\n')).toMatch(/hint: .*--config FILE.*freezer-dr demo/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
