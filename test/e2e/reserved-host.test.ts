/**
 * Reserved hosts against the real bed (issue 13): compute-3 is put in the reserved pool the way an
 * operator does it (disabled with the marker in its reason), the bed's aggregate e2e-rack-a
 * (every compute, with metadata) names it as the spare, and compute-1 dies. freezer-dr must
 * enable compute-3 before the first evacuation, send every instance there (target mode: `host`,
 * scheduler-validated, never `force`), and leave it enabled since instances landed on it.
 * The cloud is reset before and after (ctl.sh reset enables every compute again).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import type { NovaServer, RawCloud } from '../contract/openstack-http.js';
import { adminCloud, bedIsUp, killProcess, resetBed, serversOf, type BedInfo } from './support/bed.js';
import { runCli, startWatchdog, type Watchdog } from './support/watchdog.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

const MARKER = 'freezer-dr:reserved';
const AGGREGATE = 'e2e-rack-a';
const SPARE = 'compute-3';
const VICTIM = 'compute-1';

let bed: BedInfo & { aggregates?: Array<{ name: string; hosts: string[]; metadata: Record<string, string> }> };
let cloud: RawCloud;
let smtp: SmtpSink;
let wd: Watchdog | undefined;
const hostOf = (s: NovaServer) => s['OS-EXT-SRV-ATTR:host'];

beforeAll(async () => {
  bed = await resetBed();
  cloud = adminCloud(bed);
  smtp = await startSmtpSink();
});

afterEach(async () => {
  await wd?.stop();
  wd = undefined;
});

afterAll(async () => {
  await smtp?.close();
  // Back to a healthy cloud: compute-1 powered on and returned, compute-3 enabled, servers on their hosts.
  await resetBed();
});

describe('reserved hosts on a real Nova (Zed)', () => {
  test('7. compute-1 dies: the spare compute-3 of its aggregate is enabled first, takes every instance, and stays enabled', async () => {
    // The bed's seed made the aggregate (with metadata) over every compute.
    const agg = bed.aggregates?.find((a) => a.name === AGGREGATE);
    expect(agg).toMatchObject({ hosts: ['compute-1', 'compute-2', 'compute-3'], metadata: { evacuable: 'true' } });
    const { body: aggregates } = await cloud.nova<{ aggregates: Array<{ name: string; metadata: object }> }>(
      'GET',
      '/os-aggregates',
      { mv: '2.41' },
    );
    expect(aggregates.aggregates.find((a) => a.name === AGGREGATE)?.metadata).toMatchObject({ evacuable: 'true' });

    // The operator's side: compute-3 goes into the reserved pool.
    const spare = await cloud.service(SPARE);
    const reason = `${MARKER} (e2e spare of ${AGGREGATE})`;
    const put = await cloud.nova('PUT', `/os-services/${spare.id}`, {
      mv: '2.53',
      body: { status: 'disabled', disabled_reason: reason },
    });
    expect(put.status).toBe(200);
    expect(await cloud.service(SPARE)).toMatchObject({ status: 'disabled', state: 'up', disabled_reason: reason });

    const before = serversOf(bed, VICTIM);
    const spareBefore = serversOf(bed, SPARE).map((s) => s.id);
    wd = await startWatchdog(bed, {
      smtpPort: smtp.port,
      logName: 's7',
      patch: (c) => {
        c.evacuation = { ...c.evacuation, reservedHosts: { byAggregate: { [AGGREGATE]: [SPARE] }, mode: 'target' } };
        // With the spare disabled two hosts are enabled: one failure is 50% of them.
        c.monitor!.gates = { ...(c.monitor!.gates as object), maxFailedPercent: 100 };
      },
    });
    await killProcess(VICTIM);
    const closed = await wd.waitFor(/closed: \S+/, 180_000);
    expect(closed).toMatch(/closed: resolved/);
    const incidentId = /incident (\S+) closed/.exec(closed)![1]!;
    // The spare was enabled before the first evacuation request (the watchdog prints the timeline in order).
    expect(wd.seenAt(/reserved host compute-3 enabled for this recovery/)).toBeDefined();
    expect(wd.seenAt(/evacuating \S+ \(/)).toBeDefined();
    expect(wd.lines.findIndex((l) => /reserved host compute-3 enabled/.test(l))).toBeLessThan(
      wd.lines.findIndex((l) => /evacuating \S+ \(/.test(l)),
    );
    const configPath = wd.configPath;
    await wd.stop();
    wd = undefined;

    // Nova: every instance of compute-1 is ACTIVE on the spare, one `done` evacuation each, to it.
    for (const s of before) {
      const now = await cloud.server(s.id);
      expect({ name: now.name, status: now.status, host: hostOf(now) }).toEqual({
        name: s.name,
        status: 'ACTIVE',
        host: SPARE,
      });
      const migs = await cloud.migrations(`instance_uuid=${s.id}&migration_type=evacuation`);
      expect(migs.map((m) => [m.status, m.source_compute, m.dest_compute])).toEqual([['done', VICTIM, SPARE]]);
    }
    // Instances landed on it: it stays enabled (and up); the failed host stays fenced.
    expect(await cloud.service(SPARE)).toMatchObject({ status: 'enabled', state: 'up', forced_down: false });
    expect(await cloud.service(VICTIM)).toMatchObject({ status: 'disabled', forced_down: true });

    // The incident records the spare and what landed on it.
    const shown = await runCli(['incidents', incidentId, '--json', '--config', configPath]);
    expect(shown.code).toBe(0);
    const { incident, events } = JSON.parse(shown.stdout) as {
      incident: {
        reservedHost: { host: string; status: string; mode: string; landed: string[]; preexisting: string[] };
      };
      events: Array<{ message: string }>;
    };
    expect(incident.reservedHost).toMatchObject({ host: SPARE, status: 'kept', mode: 'target' });
    expect(incident.reservedHost.landed.sort()).toEqual(before.map((s) => s.name).sort());
    expect(incident.reservedHost.preexisting.sort()).toEqual(spareBefore.sort());
    expect(events.map((e) => e.message)).toContain(
      `reserved host ${SPARE} enabled for this recovery (reservedHosts.byAggregate["${AGGREGATE}"]); every evacuation is sent to it`,
    );
  });
});
