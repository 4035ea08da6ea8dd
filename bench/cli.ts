/**
 * How fast the `freezer-dr` command starts: wall time of `freezer-dr --help` from the build
 * (dist/, `npm run build`) and, for comparison, from the TypeScript sources through tsx; and of
 * `check` against the simulated cloud (config, Keystone, Nova, decision, table); and of
 * `fence status` against ipmi_sim, beside `fence_ipmilan -o status` on the same BMC (when
 * openipmi and fence-agents are installed), with the part of ours spent outside the BMC exchange
 * (its `--json` reports `bmcMs`). Median of 5 processes each. Targets: `--help` ≤ 250 ms; `fence
 * status` no slower than `fence_ipmilan -o status` on the same BMC (ratio ≤ 1), so what is left of
 * it against a real BMC is the BMC. Beside them (support/schema-cost.ts), what bounds `fence status`
 * after Node's own start: evaluating the config module (building its zod schemas) in a fresh
 * process, and zod against zod/mini on the same synthetic schemas.
 *
 *   npm run bench:cli [-- --runs 5] [-- --json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimCloud } from '../lib/sim/index.js';
import { hasIpmiSim, hasIpmitool, startIpmiSim } from '../test/support/ipmi-sim.js';
import { simCloud } from '../test/support/sim-cloud.js';
import { schemaCost } from './support/schema-cost.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const HELP_MAX_MS = 250;
const FENCE_RATIO_MAX = 1;

const build = spawnSync(process.execPath, ['bin/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);

/** Async, so the simulated cloud in this process keeps answering while the command runs. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}, command = [process.execPath, 'bin/freezer-dr.js']) {
  const t = performance.now();
  const child = spawn(command[0]!, [...command.slice(1), ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - t;
  if (code !== 0) throw new Error(`${command.at(-1)} ${argv.join(' ')} exited ${code}: ${stderr}`);
  return { ms, stdout };
}
const wall = async (...a: Parameters<typeof run>) => (await run(...a)).ms;

const fenceStartup: number[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function times(n: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

const sim = await startSimCloud({ hosts: 6 });
const bmc = hasIpmiSim() && hasIpmitool() ? await startIpmiSim() : null;
const haveFenceAgent = spawnSync('sh', ['-c', 'command -v fence_ipmilan'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'fdr-bench-cli-'));
const config = join(dir, 'freezer-dr.yaml');
writeFileSync(
  config,
  JSON.stringify({
    cloud: simCloud(sim, 'env:BENCH_CLI_PW'),
    store: { driver: 'sqlite', path: join(dir, 'incidents.db') },
    ...(bmc && {
      fencing: {
        hosts: {
          'compute-1': { driver: 'ipmi', address: bmc.address, username: bmc.username, password: 'env:BENCH_CLI_BMC' },
        },
      },
    }),
  }),
);
const env = { BENCH_CLI_PW: sim.admin.password, BENCH_CLI_BMC: bmc?.password ?? '' };

// The floor under any command: Node starting and exiting with nothing to do.
const bareNode = median(await times(runs, () => wall(['-e', '0'], {}, [process.execPath])));
const help = median(await times(runs, () => wall(['--help'])));
const helpSource = median(await times(Math.min(runs, 3), () => wall(['--help'], { FREEZER_DR_FROM_SOURCE: '1' })));
const check = median(await times(runs, () => wall(['check', '--config', config], env)));
/** Wall time of `fence status --json`, and what it spent before asking the BMC (wall less its `bmcMs`). */
const fenceRuns = bmc
  ? await times(runs, async () => {
      const r = await run(['fence', 'status', '--host', 'compute-1', '--json', '--config', config], env);
      fenceStartup.push(r.ms - (JSON.parse(r.stdout) as { bmcMs: number }).bmcMs);
      return r.ms;
    })
  : [];
const fenceStatus = fenceRuns.length ? median(fenceRuns) : NaN;
const fenceIpmilan =
  bmc && haveFenceAgent
    ? median(
        await times(runs, () =>
          wall(
            ['--lanplus', '-C', '3', '-a', '127.0.0.1', '-u', String(bmc.port), '-l', bmc.username, '-p', bmc.password],
            {},
            ['fence_ipmilan', '-o', 'status'],
          ),
        ),
      )
    : NaN;
await bmc?.stop();
await sim.stop();
// What bounds `fence status` once Node has started: building the config's schemas (see the support module).
const schema = schemaCost(ROOT, dir, runs);

const figures = {
  runs,
  node_bare_ms: Math.round(bareNode),
  help_ms: Math.round(help),
  help_from_source_ms: Math.round(helpSource),
  check_ms: Math.round(check),
  fence_status_ms: Number.isFinite(fenceStatus) ? Math.round(fenceStatus) : null,
  fence_ipmilan_status_ms: Number.isFinite(fenceIpmilan) ? Math.round(fenceIpmilan) : null,
  /** Of `fence status`, the time before and after the BMC exchange: Node, loading, config, exit. */
  fence_status_startup_ms: fenceStartup.length ? Math.round(median(fenceStartup)) : null,
  fence_status_ratio_to_fence_ipmilan:
    Number.isFinite(fenceStatus) && Number.isFinite(fenceIpmilan)
      ? Math.round((fenceStatus / fenceIpmilan) * 100) / 100
      : null,
  help_ratio_to_source: Math.round((help / helpSource) * 100) / 100,
  ...schema,
};
const helpMet = help <= HELP_MAX_MS;
// fence_ipmilan is the reference for one status read: against the same BMC, ours should not take longer.
const fenceRatio = figures.fence_status_ratio_to_fence_ipmilan;
const fenceMet = fenceRatio === null ? null : fenceRatio <= FENCE_RATIO_MAX;
const met = helpMet && fenceMet !== false;
console.log(`freezer-dr start-up, wall time, median of ${runs} processes`);
console.log(
  `  --help (dist/)          ${figures.help_ms} ms  (target ≤ ${HELP_MAX_MS} ms: ${helpMet ? 'met' : 'NOT met'})`,
);
console.log(`  --help (sources, tsx)   ${figures.help_from_source_ms} ms`);
console.log(`  node -e 0 (the floor)   ${figures.node_bare_ms} ms`);
console.log(`  check (simulated cloud) ${figures.check_ms} ms`);
console.log(
  `  fence status (ipmi_sim) ${figures.fence_status_ms ?? 'skipped: no ipmi_sim'} ms (${figures.fence_status_startup_ms ?? '-'} ms of it before and after the BMC exchange); fence_ipmilan -o status ${figures.fence_ipmilan_status_ms ?? 'n/a'} ms`,
);
console.log(
  `  config module (its zod schemas built, fresh process) ${schema.config_module_ms} ms; ${schema.zod_sections} config-like sections built + parsed: zod ${schema.zod_classic_build_ms} + ${schema.zod_classic_parse_ms} ms, zod/mini ${schema.zod_mini_build_ms} + ${schema.zod_mini_parse_ms} ms`,
);
if (fenceMet !== null)
  console.log(`  ratio ${fenceRatio} (target ≤ ${FENCE_RATIO_MAX}: ${fenceMet ? 'met' : 'NOT met'})`);
if (json)
  console.log(
    JSON.stringify({
      name: 'cli',
      figures,
      targets: { help_max_ms: HELP_MAX_MS, fence_ratio_max: FENCE_RATIO_MAX },
      met,
    }),
  );
process.exit(0);
