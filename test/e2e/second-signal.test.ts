/**
 * End to end, scenario 6: the second signal against the real bed. The bed's computes are
 * processes on one machine with no network of their own, so each "host" answering on its
 * management network is a TCP listener on its own loopback address (127.0.0.11 for compute-1,
 * …) that this test opens; freezer-dr probes it with the `tcp-probe` driver. Killing
 * nova-compute while the listener stays up is a hung nova-compute on a live host.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js';
import { waitUntil, type RawCloud } from '../contract/openstack-http.js';
import {
  adminCloud,
  bedIsUp,
  bmcEvents,
  bmcPower,
  killProcess,
  resetBed,
  serversOf,
  type BedInfo,
} from './support/bed.js';
import { runCli, startWatchdog, writeWatchdogConfig, type Watchdog } from './support/watchdog.js';
import { openHostListeners, withSecondSignal, type HostListeners } from './support/host-listeners.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

let bed: BedInfo;
let cloud: RawCloud;
let smtp: SmtpSink;
let wd: Watchdog | undefined;
let listeners: HostListeners | undefined;
const kind = (m: ReceivedMail) => String(m.parsed.headers.get('x-freezer-dr-kind') ?? '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eventsSince = (host: string, since: string) => bmcEvents(host).filter((l) => l.slice(0, 24) >= since);

beforeEach(async () => {
  bed = await resetBed();
  cloud = adminCloud(bed);
  smtp = await startSmtpSink();
  listeners = await openHostListeners();
});

afterEach(async () => {
  await wd?.stop();
  wd = undefined;
  await listeners?.closeAll();
  await smtp?.close();
});

afterAll(async () => {
  await resetBed();
});

describe('the second signal against a real Nova', () => {
  test('6. nova-compute killed while the host still answers the second signal: nothing is fenced, the admins are told once; once the host goes dark too it is recovered', async () => {
    const victim = 'compute-2';
    const before = serversOf(bed, victim);
    const patch = withSecondSignal(listeners!.port);
    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 's6', patch });
    const since = new Date().toISOString();
    await killProcess(victim);

    const gate = await wd.waitFor(/monitor gate host-answers/, 60_000);
    expect(gate).toContain(victim);
    expect(gate).toMatch(/check nova-compute and RabbitMQ/);
    const alert = await waitUntil('the host-answers alert', 30_000, async () =>
      smtp.mails.find((m) => /but the host answers/.test(m.parsed.subject ?? '')),
    );
    expect(alert.rcptTo).toEqual(bed.admins);
    // `check` (same config) shows it as its own verdict. A lone pass has no earlier pass's bound of
    // Nova's time to carry (the bed sends no Date header and its computes heartbeat in phase), so
    // it may see the stale heartbeat up to a report interval after the watchdog did.
    const checkConfig = writeWatchdogConfig(bed, { smtpPort: smtp.port, patch });
    await waitUntil('check shows host-answers', 15_000, async () => {
      const check = await runCli(['check', '--json', '--config', checkConfig]);
      const decision = JSON.parse(check.stdout) as { hosts: Array<{ host: string; verdict: string }> };
      return decision.hosts.find((h) => h.host === victim)?.verdict === 'host-answers';
    });
    // Longer than detection would take (staleAfterSeconds 8 + a report interval): still nothing.
    await sleep(15_000);
    expect(eventsSince(victim, since)).toEqual([]);
    expect(await bmcPower(bed, victim)).toBe('on');
    expect(await cloud.service(victim)).toMatchObject({ forced_down: false, status: 'enabled' });
    for (const s of before) expect(await cloud.migrations(`instance_uuid=${s.id}`)).toEqual([]);
    expect(smtp.mails.filter((m) => /but the host answers/.test(m.parsed.subject ?? ''))).toHaveLength(1);
    expect(smtp.mails.every((m) => kind(m) === 'admin')).toBe(true);

    // The control: the same watchdog recovers the host once the second signal agrees.
    await listeners!.close(victim);
    const closed = await wd.waitFor(/closed: \S+/, 120_000);
    expect(closed).toMatch(/closed: resolved/);
    expect(await bmcPower(bed, victim)).toBe('off');
    expect(await cloud.service(victim)).toMatchObject({ forced_down: true, status: 'disabled' });
  });
});
