/**
 * `freezer-dr plan` against the real Nova 26 + Glance of the bed: the population reads of
 * `all-unless-any-tagged` (flavors with extra specs at 2.61, Glance's image list), the aggregate
 * filter failing closed on a host in no aggregate, and an unknown host. Read only: nothing on the
 * bed is changed, so it neither needs nor does a reset.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { PlanReportSchema } from '../../lib/workflow/index.js';
import { adminCloud, bedIsUp, loadBed } from './support/bed.js';
import { runCli } from './support/watchdog.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

const bed = loadBed();

function configWith(evacuation: Record<string, unknown>): string {
  const c = parse(readFileSync(bed.freezerDrConfig, 'utf8')) as Record<string, Record<string, unknown>>;
  const dir = mkdtempSync(join(tmpdir(), 'fdr-e2e-plan-'));
  c.evacuation = { ...c.evacuation, ...evacuation };
  c.store = { driver: 'sqlite', path: join(dir, 'incidents.db') };
  const path = join(dir, 'freezer-dr.yaml');
  writeFileSync(path, stringify(c));
  return path;
}

/** The built CLI in its own process, as an operator runs it; with --json the report is all of stdout. */
async function cli(...argv: string[]) {
  const r = await runCli(argv, 120_000);
  return { code: r.code, out: r.output, json: r.stdout.trim() || 'null' };
}

describe('freezer-dr plan on the real bed', () => {
  test('all-unless-any-tagged: finds the tagged flavor in the cloud and plans the host’s instances', async () => {
    const host = 'compute-1';
    const listed = await adminCloud(bed).nova<{ servers: Array<{ id: string }> }>(
      'GET',
      `/servers/detail?all_tenants=1&host=${host}`,
      { mv: '2.47' },
    );
    const r = await cli(
      'plan',
      '--host',
      host,
      '--json',
      '--config',
      configWith({ evacuable: { mode: 'all-unless-any-tagged' } }),
    );
    expect([r.code, r.out.slice(0, 300)]).toEqual([0, expect.stringMatching(/^\{/)]);
    const report = PlanReportSchema.parse(JSON.parse(r.json));
    expect(report.markedSomewhere).toMatch(/evacuable/);
    // Every seeded server is booted from the tagged image with the tagged flavor: all are marked.
    const planned = report.groups.flatMap((g) => g.items.map((i) => i.id)).sort();
    const skippedIds = report.skipped.map((s) => s.id);
    expect([...planned, ...skippedIds].sort()).toEqual(listed.body.servers.map((s) => s.id).sort());
    expect(planned.length).toBeGreaterThan(0);
  });

  test('tagged on the image: the image property / Glance tag of e2e-tiny-image marks its instances', async () => {
    const r = await cli(
      'plan',
      '--host',
      'compute-2',
      '--json',
      '--config',
      configWith({ evacuable: { mode: 'tagged', sources: ['image'] } }),
    );
    const report = PlanReportSchema.parse(JSON.parse(r.json));
    expect(report.skipped.filter((s) => /not marked/.test(s.reason))).toEqual([]);
  });

  test('the aggregate filter fails closed on a host in no matching aggregate; an unknown host is exit 2', async () => {
    const closed = await cli(
      'plan',
      '--host',
      'compute-3',
      '--config',
      configWith({ evacuable: { aggregateFilter: 'freezer-dr-e2e-ha=true' } }),
    );
    expect(closed.code).toBe(1);
    expect(closed.out).toMatch(/BLOCKED .*compute-3 is in no host aggregate with that metadata/);
    const unknown = await cli('plan', '--host', 'compute-10', '--config', configWith({}));
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('Nova has no nova-compute service on host "compute-10"');
  });
});
