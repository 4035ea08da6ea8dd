import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runWatcher } from '../../cli/commands/start.js';
import { escapeHtml, renderStatusPage } from '../../cli/status-page.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';
import { simCloud } from '../support/sim-cloud.js';

/**
 * The status page of `start --listen`, in a real headless browser (Debian's chromium driven by
 * playwright-core): it renders, its links work, and a host failing in the simulator shows up.
 * `FREEZER_DR_SCREENSHOT=docs/status-page.png` also writes the README's screenshot.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI)
  throw new Error('CI must install the Debian package chromium for the status page test');

describe('status page markup', () => {
  test('everything shown is escaped; there is no script', () => {
    const evil = '<img src=x onerror=alert(1)>"\'&';
    const html = renderStatusPage({
      now: 'n',
      startedAt: 's',
      intervalSeconds: 60,
      healthy: true,
      ready: false,
      passes: [
        {
          at: 't',
          ok: true,
          decision: {
            at: 't',
            hosts: [
              {
                host: 'compute-1',
                verdict: 'suspect',
                state: 'down',
                status: 'enabled',
                forcedDown: false,
                heartbeatAgeSeconds: 3,
                suspectSince: null,
                reason: evil,
              },
            ],
            gates: [{ gate: 'observer', reason: evil, hosts: [] }],
            recover: [],
          } as never,
        },
        { at: 't2', ok: false, error: evil },
      ],
      open: [],
      recent: [],
    });
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(escapeHtml(evil));
    expect(escapeHtml(evil)).toBe('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });
});

describe('in headless chromium', () => {
  let sim: SimCloud;
  let url = '';
  const abort = new AbortController();
  let watcher: Promise<number>;
  const lines: string[] = [];
  let browser: any;

  async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 40_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    if (!hasChromium) return;
    sim = await startSimCloud({
      reportIntervalMs: 100,
      serviceDownTimeMs: 1000,
      rebuildMs: 100,
      hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'fdr-status-'));
    process.env.FDR_STATUS_TEST_PW = sim.admin.password;
    const hosts: Record<string, unknown> = {};
    sim.hosts.forEach((h, i) => {
      process.env[`FDR_STATUS_TEST_BMC_${i}`] = sim.bmc(h).password;
      hosts[h] = {
        driver: 'redfish',
        address: sim.bmc(h).url,
        username: sim.bmc(h).username,
        password: `env:FDR_STATUS_TEST_BMC_${i}`,
      };
    });
    const configPath = join(dir, 'freezer-dr.yaml');
    writeFileSync(
      configPath,
      stringify({
        cloud: simCloud(sim, 'env:FDR_STATUS_TEST_PW'),
        monitor: { intervalSeconds: 0.3, staleAfterSeconds: 1, graceSeconds: 0, confirmation: 'nova-only' },
        fencing: { hosts, powerTimeoutSeconds: 2, pollIntervalSeconds: 0.05 },
        evacuation: { concurrency: 3, instanceTimeoutSeconds: 20, checkIntervalSeconds: 1 },
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
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    abort.abort();
    await watcher;
    await sim?.stop();
  });

  test('renders hosts and verdicts; a crashed host becomes an incident whose link opens its page', async () => {
    if (!hasChromium) return; // locally without the package; CI fails above instead
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    await until('a pass on the page', async () => {
      await page.goto(url + '/');
      return (await page.locator('td .host').count()) === 4 ? true : undefined;
    });
    expect(await page.title()).toBe('freezer-dr status');
    expect(await page.locator('h1').innerText()).toMatch(/ready/);
    expect(await page.locator('script').count()).toBe(0);

    sim.crashHost('compute-2');
    // The failing host shows up: first with its verdict, then as an incident linked to its page.
    const link = await until('the incident on the page', async () => {
      await page.goto(url + '/');
      const a = page.locator('a[href^="/incidents/"]').filter({ hasText: 'compute-2' });
      return (await a.count()) > 0 ? a.first() : undefined;
    });
    const rowText = await page.locator('tr', { has: page.locator('.host', { hasText: 'compute-2' }) }).innerText();
    expect(rowText).toMatch(/suspect|failed|in-flight|fenced/);
    if (process.env.FREEZER_DR_SCREENSHOT)
      await page.screenshot({ path: process.env.FREEZER_DR_SCREENSHOT, fullPage: true });
    await link.click();
    await page.waitForLoadState();
    expect(page.url()).toMatch(/\/incidents\/inc-compute-2-/);
    expect(await page.locator('body').innerText()).toContain('compute-2');
    // The other links work too.
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const res = await page.goto(url + path);
      expect([path, res.status()]).toEqual([path, 200]);
    }
    expect((await page.goto(url + '/incidents/nope')).status()).toBe(404);
    expect(errors).toEqual([]);
  });
});
