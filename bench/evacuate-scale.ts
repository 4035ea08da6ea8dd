/**
 * The Evacuate phase at scale, through the real state machine on the simulated cloud: one host
 * with N instances among 20 hosts, a 1 s rebuild and 50 ms on every API answer. Wall time of
 * the phase (first round → last instance recorded) against the ideal `ceil(N / concurrency) ×
 * rebuild`, and the Nova calls the phase made per instance. The default check interval (5 s) is
 * kept: the adaptive schedule decides how soon each round comes.
 *
 *   npm run bench:evacuate-scale [-- --runs 3] [-- --json]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskHandlers } from '../functions/index.js';
import { parseConfig } from '../lib/config/index.js';
import { createLogger } from '../lib/log/index.js';
import { defaultSeed, startSimCloud } from '../lib/sim/index.js';
import { runLocalExecution, type LambdaHandler } from '../lib/workflow/local-runner.js';
import { createRuntime, setRuntime } from '../lib/workflow/runtime.js';
import { simCloud } from '../test/support/sim-cloud.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const REBUILD_MS = 1000;
const LATENCY_MS = 50;
const HOSTS = 20;
const ALL_CASES: Array<[n: number, concurrency: number]> = [
  [50, 10],
  [200, 20],
];
/** BENCH_NO_LOCK=1: `evacuation.lock: false`, to see what the locks cost. */
const LOCK = process.env.BENCH_NO_LOCK !== '1';
/** BENCH_ONLY=50 (or 200): one case, for profiling. */
const CASES = process.env.BENCH_ONLY ? ALL_CASES.filter(([n]) => n === Number(process.env.BENCH_ONLY)) : ALL_CASES;
const RATIO_MAX = 1.2;

async function once(n: number, concurrency: number, i: number) {
  const hosts = Array.from({ length: HOSTS }, (_, k) => `compute-${k + 1}`);
  const seed = defaultSeed(hosts);
  const base = seed.servers.find((s) => s.host === hosts[0] && s.vmState === 'active' && s.launched)!;
  seed.servers = seed.servers
    .filter((s) => s.host !== hosts[0])
    .concat(
      Array.from({ length: n }, (_, k) => ({
        ...base,
        id: randomUUID(),
        name: `bench-${String(k).padStart(4, '0')}`,
        metadata: {},
      })),
    );
  const sim = await startSimCloud({
    hosts,
    seed,
    rebuildMs: REBUILD_MS,
    maxInstancesPerHost: n + 50,
    reportIntervalMs: 500,
    redfish: { powerOffDelayMs: 50 },
  });
  const tag = `${process.pid}_${n}_${i}`;
  process.env[`BENCH_PW_${tag}`] = sim.admin.password;
  const victim = hosts[0]!;
  process.env[`BENCH_BMC_${tag}`] = sim.bmc(victim).password;
  const config = parseConfig({
    cloud: simCloud(sim, `env:BENCH_PW_${tag}`),
    fencing: {
      hosts: {
        [victim]: {
          driver: 'redfish',
          address: sim.bmc(victim).url,
          username: sim.bmc(victim).username,
          password: `env:BENCH_BMC_${tag}`,
        },
      },
      pollIntervalSeconds: 0.1,
    },
    evacuation: { concurrency, lock: LOCK },
    notification: { admins: ['ops@example.org'], channels: [] },
    store: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'fdr-bench-')), 'db.sqlite') },
  });
  const rt = await createRuntime(config, { log: createLogger({ level: 'silent' }) });
  setRuntime(rt);
  sim.crashHost(victim);
  sim.faults.latencyMs = LATENCY_MS;

  let firstRound = 0;
  let lastRound = 0;
  let logFrom = 0;
  let logTo = 0;
  let rounds = 0;
  const roundMs: number[] = [];
  const evacuate: LambdaHandler = async (event, ctx) => {
    if (!firstRound) {
      firstRound = performance.now();
      logFrom = sim.requestLog.length;
    }
    const t = performance.now();
    const out = (await taskHandlers.evacuate!(event, ctx)) as { done: boolean };
    roundMs.push(performance.now() - t);
    if (process.env.BENCH_TRACE)
      console.error(
        `${(t - firstRound).toFixed(0)}+${(performance.now() - t).toFixed(0)}ms ${JSON.stringify({ ...out, results: undefined })}`,
      );
    rounds++;
    if (out.done) {
      lastRound = performance.now();
      logTo = sim.requestLog.length;
    }
    return out;
  };
  const notify: LambdaHandler = async () => ({ status: 'resolved', delivered: 0, failed: 0 });
  const incidentId = `bench-${tag}`;
  const input = {
    incidentId,
    host: victim,
    reason: 'bench',
    detectedAt: new Date().toISOString(),
    requestedBy: 'bench',
  };
  const result = await runLocalExecution(incidentId, input, { handlers: { ...taskHandlers, evacuate, notify } });
  const records = await rt.store.listInstances(incidentId);
  const nova = sim.requestLog.slice(logFrom, logTo).filter((r) => r.service === 'nova');
  await rt.store.close();
  await sim.stop();
  const evacuated = records.filter((r) => r.outcome === 'evacuated').length;
  if (process.env.BENCH_DEBUG) {
    const inFlight = records.map((r) => Date.parse(r.finishedAt!) - Date.parse(r.requestedAt!));
    const acc = records.map((r) => Date.parse(r.acceptedAt!) - Date.parse(r.requestedAt!));
    console.error(
      `debug N=${n}: request→recorded median ${median(inFlight)} ms, request→accepted median ${median(acc)} ms, round median ${median(roundMs).toFixed(0)} ms max ${Math.max(...roundMs).toFixed(0)} ms`,
    );
  }
  if (result.status !== 'SUCCEEDED' || evacuated !== n)
    throw new Error(`N=${n}: ${result.status}, ${evacuated}/${n} evacuated ${JSON.stringify(result.error ?? '')}`);
  const wallS = (lastRound - firstRound) / 1000;
  const idealS = (Math.ceil(n / concurrency) * REBUILD_MS) / 1000;
  return {
    wallS,
    ratio: wallS / idealS,
    idealS,
    rounds,
    novaCallsPerInstance: nova.length / n,
    postsPerInstance: nova.filter((r) => r.method === 'POST').length / n,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;
const figures: Record<string, number> = { runs };
const lines: string[] = [
  `Evacuate phase, ${HOSTS} hosts, rebuild ${REBUILD_MS} ms, ${LATENCY_MS} ms per API answer, median of ${runs} runs${LOCK ? '' : ', evacuation.lock: false'}`,
];
for (const [n, c] of CASES) {
  const rs = [];
  for (let i = 0; i < runs; i++) rs.push(await once(n, c, i));
  const key = `n${n}_c${c}`;
  figures[`${key}_wall_s`] = round2(median(rs.map((r) => r.wallS)));
  figures[`${key}_ideal_s`] = rs[0]!.idealS;
  figures[`${key}_ratio`] = round2(median(rs.map((r) => r.ratio)));
  figures[`${key}_nova_calls_per_instance`] = round2(median(rs.map((r) => r.novaCallsPerInstance)));
  figures[`${key}_posts_per_instance`] = round2(median(rs.map((r) => r.postsPerInstance)));
  figures[`${key}_rounds`] = median(rs.map((r) => r.rounds));
  lines.push(
    `  N=${n} concurrency ${c}: ${figures[`${key}_wall_s`]} s vs ideal ${rs[0]!.idealS} s = ${figures[`${key}_ratio`]}× ` +
      `(target ≤ ${RATIO_MAX}×); Nova calls/instance ${figures[`${key}_nova_calls_per_instance`]} ` +
      `(evacuate POSTs ${figures[`${key}_posts_per_instance`]}), ${figures[`${key}_rounds`]} rounds`,
  );
}
const met = CASES.every(([n, c]) => figures[`n${n}_c${c}_ratio`]! <= RATIO_MAX);
for (const l of lines) console.log(l);
if (json) console.log(JSON.stringify({ name: 'evacuate-scale', figures, targets: { ratio_max: RATIO_MAX }, met }));
process.exit(0);
