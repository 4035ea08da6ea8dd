/**
 * End to end against the real bed: an instance its owner locked (2.73, with a reason) is still
 * evacuated by freezer-dr when its host dies, and comes out locked by its owner with the owner's
 * reason; the host's other instances, which freezer-dr locked while moving them, come out unlocked.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { RawCloud, type NovaServer } from '../contract/openstack-http.js';
import { adminCloud, bedIsUp, killProcess, resetBed, serversOf, type BedInfo } from './support/bed.js';
import { startWatchdog, type Watchdog } from './support/watchdog.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

/** The seed step's password for the project members (test/e2e/bed/openstack.py). */
const USER_PASSWORD = 'e2e-user-secret';
const OWNER_REASON = 'owner: release freeze, do not touch';

let bed: BedInfo;
let cloud: RawCloud;
let alice: RawCloud;
let smtp: SmtpSink;
let wd: Watchdog | undefined;

const hostOf = (s: NovaServer) => s['OS-EXT-SRV-ATTR:host'];
const lockOf = async (c: RawCloud, id: string) => {
  const res = await c.nova<{ server: { locked: boolean; locked_reason: string | null } }>('GET', `/servers/${id}`, {
    mv: '2.73',
  });
  expect(res.status).toBe(200);
  return { locked: res.body.server.locked, reason: res.body.server.locked_reason };
};

beforeEach(async () => {
  bed = await resetBed();
  cloud = adminCloud(bed);
  alice = new RawCloud({
    authUrl: bed.authUrl,
    username: 'alice',
    password: USER_PASSWORD,
    projectName: 'e2e-alpha',
    regionName: bed.regionName,
  });
  smtp = await startSmtpSink();
});

afterEach(async () => {
  await wd?.stop();
  wd = undefined;
  await smtp?.close();
});

afterAll(async () => {
  // The owner lifts her lock, then the bed is healed for whatever runs next.
  const victim = bed?.servers.find((s) => s.name === 'alpha-web-1');
  if (victim) await alice.nova('POST', `/servers/${victim.id}/action`, { mv: '2.73', body: { unlock: null } });
  await resetBed();
});

describe('locks on a real Nova (Zed)', () => {
  test("an instance locked by its owner is evacuated and stays locked by its owner; freezer-dr's own locks are lifted", async () => {
    const victimHost = 'compute-1';
    const before = serversOf(bed, victimHost);
    const owned = before.find((s) => s.name === 'alpha-web-1')!;
    expect(owned).toBeDefined();
    const lock = await alice.nova('POST', `/servers/${owned.id}/action`, {
      mv: '2.73',
      body: { lock: { locked_reason: OWNER_REASON } },
    });
    expect(lock.status).toBe(202);
    expect(await lockOf(cloud, owned.id)).toEqual({ locked: true, reason: OWNER_REASON });

    wd = await startWatchdog(bed, { smtpPort: smtp.port, logName: 'locks' });
    await killProcess(victimHost);
    const closed = await wd.waitFor(/closed: \S+/, 180_000);
    expect(closed).toMatch(/closed: resolved/);

    for (const s of before) {
      const now = await cloud.server(s.id);
      expect({ name: now.name, status: now.status }).toEqual({ name: s.name, status: 'ACTIVE' });
      expect(hostOf(now)).not.toBe(victimHost);
      const migs = await cloud.migrations(`instance_uuid=${s.id}&migration_type=evacuation`);
      expect(migs.map((m) => m.status)).toEqual(['done']);
      // The owner's lock is kept with her reason; every other instance is unlocked again.
      expect(await lockOf(cloud, s.id)).toEqual(
        s.id === owned.id ? { locked: true, reason: OWNER_REASON } : { locked: false, reason: null },
      );
    }
    // Still the owner's lock: she can lift it herself (an admin's lock she could not).
    const unlock = await alice.nova('POST', `/servers/${owned.id}/action`, { mv: '2.73', body: { unlock: null } });
    expect(unlock.status).toBe(202);
    expect(await lockOf(cloud, owned.id)).toEqual({ locked: false, reason: null });
  });
});
