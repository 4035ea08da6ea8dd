/**
 * Recovery time objective on the real test bed (test/e2e/README.md): time from `kill -9` of a
 * nova-compute to every one of its instances ACTIVE on another host, for
 *   (a) freezer-dr — `freezer-dr start --config` watching the bed (heartbeat staleness read
 *       against Nova, IPMI fence confirmed, force-down, disable, evacuate, verify);
 *   (b) the fence-agents pipeline — as soon as Nova reports the host down: fence_ipmilan -o off,
 *       fence_compute -o off, fence_evacuate -o off --no-shared-storage (through the bed's
 *       Python 3.11 shim), as Pacemaker + NovaEvacuate would run them.
 * Both are measured by the same poller (GET /servers/detail every 250 ms), alternating a and b
 * on a freshly reset cloud, several repetitions in one run; medians and their ratio.
 *
 * freezer-dr runs the README's recommended monitor settings, scaled to the bed's 5 s report
 * interval: a tcp-probe second signal (one loopback listener per compute, closed together with
 * the kill: the host went dark), staleAfterSeconds 1.6 report intervals, graceSeconds 2, a pass
 * every 1 s. `--signals nova-only` measures the old single-signal configuration instead.
 *
 *   test/e2e/bed/start.sh && npm run bench:rto [-- --runs 5] [-- --clock local-clock] [-- --signals nova-only] [-- --json]
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startSimSmtp } from '../lib/sim/index.js';
import {
  ADMIN_PASSWORD,
  BED_SRC,
  BMC_PASSWORD,
  BMC_USER,
  adminCloud,
  bedIsUp,
  bmcOf,
  killProcess,
  resetBed,
  serversOf,
  type BedInfo,
} from '../test/e2e/support/bed.js';
import { startWatchdog } from '../test/e2e/support/watchdog.js';
import { openHostListeners, withSecondSignal } from '../test/e2e/support/host-listeners.js';
import type { RawCloud } from '../test/contract/openstack-http.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
// The bed's nova-api sends no Date header: freezer-dr's default reads heartbeat ages against the
// freshest heartbeat; `--clock local-clock` measures the faster, NTP-trusting alternative.
const clockArg = args.includes('--clock') ? args[args.indexOf('--clock') + 1] : 'freshest-heartbeat';
if (clockArg !== 'freshest-heartbeat' && clockArg !== 'local-clock') {
  process.stderr.write(`--clock takes freshest-heartbeat or local-clock, not ${String(clockArg)}\n`);
  process.exit(2);
}
const signalsArg = args.includes('--signals') ? args[args.indexOf('--signals') + 1] : 'second-signal';
if (signalsArg !== 'second-signal' && signalsArg !== 'nova-only') {
  process.stderr.write(`--signals takes second-signal or nova-only, not ${String(signalsArg)}\n`);
  process.exit(2);
}
/** The README's recommended settings on the bed (report_interval 5 s). */
const REPORT_INTERVAL_S = 5;
const RECOMMENDED = { staleAfterSeconds: 1.6 * REPORT_INTERVAL_S, graceSeconds: 2, intervalSeconds: 1 };
const VICTIM = 'compute-1';
const RATIO_MAX = 0.5;
const POLL_MS = 250;
const TIMEOUT_MS = 180_000;

const say = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
/** Kill at a random point of the 5 s heartbeat cycle, so neither pipeline is favoured by the phase. */
const randomPhase = () => sleep(Math.random() * 5000);

function run(file: string, argv: string[]): Promise<{ code: number; ms: number; out: string }> {
  const t = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      { timeout: 120_000, env: { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, ms: Date.now() - t, out: `${stdout}${stderr}` });
      },
    );
  });
}

/**
 * Resolves with the time every instance of `ids` is ACTIVE on a host other than the victim; `firstSeen`
 * gets the time each one was first seen so.
 */
async function allRecovered(
  cloud: RawCloud,
  ids: string[],
  deadline: number,
  firstSeen = new Map<string, number>(),
): Promise<number> {
  for (;;) {
    const servers = await cloud.servers('all_tenants=1').catch(() => []);
    const now = Date.now();
    for (const id of ids) {
      const s = servers.find((x) => x.id === id);
      const moved = s?.status === 'ACTIVE' && ![VICTIM, null, undefined].includes(s['OS-EXT-SRV-ATTR:host']);
      if (moved && !firstSeen.has(id)) firstSeen.set(id, now);
    }
    if (ids.every((id) => firstSeen.has(id))) return now;
    if (Date.now() > deadline) throw new Error(`instances not recovered within ${TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

interface Sample {
  totalS: number;
  detectS: number;
  phases: Record<string, number>;
}

async function freezerDr(bed: BedInfo, smtpPort: number): Promise<Sample> {
  const cloud = adminCloud(bed);
  const ids = serversOf(bed, VICTIM).map((s) => s.id);
  const listeners = signalsArg === 'second-signal' ? await openHostListeners() : undefined;
  const wd = await startWatchdog(bed, {
    smtpPort,
    logName: 'bench-rto',
    patch: (c) => {
      c.monitor!.withoutDateHeader = clockArg;
      if (!listeners) return;
      withSecondSignal(listeners.port)(c);
      Object.assign(c.monitor!, RECOMMENDED);
    },
  });
  try {
    await sleep(2000); // a few monitor passes on a healthy cloud first, as a running daemon would have done
    await randomPhase();
    const t0 = Date.now();
    // The host dies: nova-compute stops and the host stops answering on its network at once.
    await Promise.all([killProcess(VICTIM), listeners?.close(VICTIM)]);
    const seen = new Map<string, number>();
    const t1 = await allRecovered(cloud, ids, t0 + TIMEOUT_MS, seen);
    await wd.waitFor(/closed: \S+/, 60_000);
    const at = (re: RegExp) => (wd.seenAt(re) ?? t1) - t0;
    const verified = wd.seenAllAt(/\] evacuate .* evacuated .* and verified/);
    return {
      totalS: (t1 - t0) / 1000,
      detectS: at(/\] fence +powering off/) / 1000,
      phases: {
        fenced: at(/\] fence +\S+ confirmed powered off/) / 1000,
        isolated: at(/\] isolate .* disabled/) / 1000,
        firstEvacuateAccepted: at(/\] evacuate +evacuating /) / 1000,
        firstActive: (Math.min(...seen.values()) - t0) / 1000,
        // Our own verification of the last instance (the human timeline line), then the close after Notify.
        lastVerified: (Math.max(...verified, t0) - t0) / 1000,
        closed: at(/closed: /) / 1000,
      },
    };
  } finally {
    await wd.stop();
    await listeners?.closeAll();
  }
}

async function fenceAgents(bed: BedInfo): Promise<Sample> {
  const cloud = adminCloud(bed);
  const ids = serversOf(bed, VICTIM).map((s) => s.id);
  const { host, port } = bmcOf(bed, VICTIM);
  const shim = join(BED_SRC, 'fence-py311.py');
  const auth = [
    '--auth-url',
    bed.authUrl,
    '--username',
    bed.admin.username,
    '--password',
    ADMIN_PASSWORD,
    '--tenant-name',
    bed.admin.projectName,
    '--user-domain',
    'Default',
    '--project-domain',
    'Default',
    '--region-name',
    bed.regionName,
    '--endpoint-type',
    'publicURL',
    '--plug',
    VICTIM,
  ];
  await randomPhase();
  const t0 = Date.now();
  await killProcess(VICTIM);
  // "As soon as Nova reports the host down": what Pacemaker's view of the node would give at best.
  for (;;) {
    const s = await cloud.service(VICTIM).catch(() => undefined);
    if (s?.state === 'down') break;
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error('Nova never reported the host down');
    await sleep(POLL_MS);
  }
  const td = Date.now();
  const ipmi = await run('/usr/sbin/fence_ipmilan', [
    '--lanplus',
    '-C',
    '3',
    '-a',
    host,
    '-u',
    String(port),
    '-l',
    BMC_USER,
    '-p',
    BMC_PASSWORD,
    '-o',
    'off',
  ]);
  if (ipmi.code !== 0) throw new Error(`fence_ipmilan failed (${ipmi.code}): ${ipmi.out}`);
  // rc 1 is expected: it forces down + disables in Nova, then fails on Pacemaker's attrd_updater.
  const compute = await run('/usr/bin/python3', [shim, '/usr/sbin/fence_compute', ...auth, '-o', 'off']);
  const svc = await cloud.service(VICTIM);
  if (!svc.forced_down || svc.status !== 'disabled')
    throw new Error(`fence_compute did not fence ${VICTIM} in Nova (rc ${compute.code}): ${compute.out}`);
  const evac = await run('/usr/bin/python3', [
    shim,
    '/usr/sbin/fence_evacuate',
    ...auth,
    '-o',
    'off',
    '--no-shared-storage',
  ]);
  if (evac.code !== 0) throw new Error(`fence_evacuate failed (${evac.code}): ${evac.out}`);
  const seen = new Map<string, number>();
  const t1 = await allRecovered(cloud, ids, t0 + TIMEOUT_MS, seen);
  return {
    totalS: (t1 - t0) / 1000,
    detectS: (td - t0) / 1000,
    phases: {
      fence_ipmilan: ipmi.ms / 1000,
      fence_compute: compute.ms / 1000,
      fence_evacuate: evac.ms / 1000,
      afterEvacuate: (t1 - td - ipmi.ms - compute.ms - evac.ms) / 1000,
      firstActive: (Math.min(...seen.values()) - t0) / 1000,
    },
  };
}

if (!bedIsUp()) {
  process.stderr.write(
    'bench:rto needs the e2e test bed: test/e2e/bed/install.sh && test/e2e/bed/start.sh (test/e2e/README.md)\n',
  );
  process.exit(2);
}
const smtp = await startSimSmtp({});
const a: Sample[] = [];
const b: Sample[] = [];
try {
  for (let i = 1; i <= runs; i++) {
    let bed = await resetBed();
    const fa = await freezerDr(bed, smtp.port);
    a.push(fa);
    say(
      `run ${i}/${runs} freezer-dr:   ${fa.totalS.toFixed(1)} s (detected + fence started at ${fa.detectS.toFixed(1)} s; ${Object.entries(
        fa.phases,
      )
        .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
        .join(', ')})`,
    );
    bed = await resetBed();
    const fb = await fenceAgents(bed);
    b.push(fb);
    say(
      `run ${i}/${runs} fence-agents: ${fb.totalS.toFixed(1)} s (Nova said down at ${fb.detectS.toFixed(1)} s; ${Object.entries(
        fb.phases,
      )
        .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
        .join(', ')})`,
    );
  }
} finally {
  await resetBed().catch((err: unknown) => say(`reset after the benchmark failed: ${String(err)}`));
  await smtp.stop();
}

const ma = median(a.map((s) => s.totalS));
const mb = median(b.map((s) => s.totalS));
const ratio = ma / mb;
const figures = {
  runs,
  clock: clockArg,
  signals: signalsArg,
  instances: 3,
  freezer_dr_median_s: r1(ma),
  fence_agents_median_s: r1(mb),
  ratio: Math.round(ratio * 100) / 100,
  freezer_dr_detect_median_s: r1(median(a.map((s) => s.detectS))),
  fence_agents_detect_median_s: r1(median(b.map((s) => s.detectS))),
  freezer_dr_s: a.map((s) => r1(s.totalS)),
  fence_agents_s: b.map((s) => r1(s.totalS)),
};
const met = ratio <= RATIO_MAX;
say('');
say(
  `kill -9 → all ${figures.instances} instances ACTIVE elsewhere, median of ${runs} (freezer-dr without a Date header: ${clockArg}):`,
);
say(`  freezer-dr    ${figures.freezer_dr_median_s} s   (runs: ${figures.freezer_dr_s.join(', ')})`);
say(`  fence-agents  ${figures.fence_agents_median_s} s   (runs: ${figures.fence_agents_s.join(', ')})`);
say(`  ratio         ${figures.ratio}   (target ≤ ${RATIO_MAX}: ${met ? 'met' : 'NOT met'})`);
if (json) process.stdout.write(`${JSON.stringify({ name: 'rto', figures, targets: { ratio_max: RATIO_MAX }, met })}\n`);
process.exit(0);
