/**
 * One monitor pass at 100, 1,000 and 5,000 compute services, with the local store (SQLite) and
 * the AWS one (DynamoDB, served by dynalite). The cloud and dynalite run in a child process, so
 * the CPU figures are ours alone. Per warm pass (after one pass that fetches the token and fills
 * the caches), median of 5: HTTP calls (Keystone, Nova and DynamoDB alike, counted on node:http),
 * CPU ms, wall ms; and the process's peak RSS. Targets in AWS at 5,000 hosts: ≤ 3 calls, ≤ 100 ms.
 *
 *   npm run bench:monitor-scale [-- --json]
 */
import { spawn } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseConfig } from '../lib/config/index.js';
import { createDynamoStore } from '../lib/incidents/dynamodb.js';
import { createIncidentTable } from '../test/support/dynamo-table.js';
import { createLogger } from '../lib/log/index.js';
import { runMonitorPass } from '../lib/monitor/index.js';
import { createRuntime, setRuntime } from '../lib/workflow/index.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const json = process.argv.includes('--json');
/** `--only HOSTS BACKEND`: one case, in a process of its own, for its peak RSS. */
const only = process.argv.includes('--only') ? process.argv.slice(process.argv.indexOf('--only') + 1) : undefined;
const SIZES = only ? [Number(only[0])] : [100, 1000, 5000];
const BACKENDS = only ? [only[1] as 'sqlite' | 'dynamodb'] : (['sqlite', 'dynamodb'] as const);
const WARM = 5;
const TARGET = { calls_max: 3, cpu_ms_max: 100 };

let calls = 0;
subscribe('http.client.request.start', (msg) => {
  calls++;
  if (process.env.BENCH_DEBUG) {
    const req = (msg as { request: { method: string; path: string; getHeader(n: string): unknown } }).request;
    console.error(`  call: ${req.method} ${req.path.split('?')[0]} ${String(req.getHeader('x-amz-target') ?? '')}`);
  }
});

interface Far {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  dynamoEndpoint: string;
}

async function startFarSide(hosts: number) {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/support/monitor-cloud.ts', String(hosts)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { far: JSON.parse(line) as Far, stop: () => child.stdin!.end() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(far: Far, backend: 'sqlite' | 'dynamodb', hosts: number) {
  process.env.BENCH_MON_PW = far.password;
  const table = `bench-${backend}-${hosts}`;
  const config = parseConfig({
    cloud: {
      from: 'inline',
      authUrl: far.authUrl,
      auth: { type: 'password', username: far.username, password: 'env:BENCH_MON_PW', projectName: far.projectName },
    },
    store:
      backend === 'sqlite'
        ? { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'fdr-mon-')), 'db.sqlite') }
        : { driver: 'dynamodb', table, region: 'us-east-1', endpoint: far.dynamoEndpoint },
  });
  let store;
  if (backend === 'dynamodb') {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: far.dynamoEndpoint,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    await createIncidentTable(client, table);
    store = createDynamoStore({ driver: 'dynamodb', table }, { client });
  }
  const rt = await createRuntime(config, { log: createLogger({ level: 'silent' }), ...(store ? { store } : {}) });
  setRuntime(rt);
  const start = async () => ({ started: false, detail: 'bench' });
  await runMonitorPass(rt, start); // cold: token, catalog, SDK, caches
  const samples: Array<{ calls: number; cpuMs: number; wallMs: number }> = [];
  for (let i = 0; i < WARM; i++) {
    const c0 = calls;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { decision } = await runMonitorPass(rt, start);
    const cpu = process.cpuUsage(cpu0);
    samples.push({ calls: calls - c0, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 });
    if (decision.hosts.length !== hosts) throw new Error(`saw ${decision.hosts.length} of ${hosts} hosts`);
  }
  await rt.store.close();
  return {
    calls: median(samples.map((s) => s.calls)),
    cpuMs: Math.round(median(samples.map((s) => s.cpuMs))),
    wallMs: Math.round(median(samples.map((s) => s.wallMs))),
  };
}

const figures: Record<string, number> = {};
const lines = [`monitor pass, warm, median of ${WARM}: HTTP calls / CPU ms / wall ms`];
for (const hosts of SIZES) {
  const { far, stop } = await startFarSide(hosts);
  for (const backend of BACKENDS) {
    const r = await measure(far, backend, hosts);
    const key = `${backend}_${hosts}`;
    figures[`${key}_calls`] = r.calls;
    figures[`${key}_cpu_ms`] = r.cpuMs;
    figures[`${key}_wall_ms`] = r.wallMs;
    lines.push(
      `  ${String(hosts).padStart(5)} hosts  ${backend.padEnd(8)}  ${r.calls} calls  ${r.cpuMs} ms CPU  ${r.wallMs} ms`,
    );
  }
  stop();
}
figures.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
lines.push(`  peak RSS of this process ${figures.peak_rss_mib} MiB (with the TypeScript loader)`);
if (only) {
  for (const l of lines) console.log(l);
  if (json) console.log(JSON.stringify({ name: 'monitor-scale', figures, targets: TARGET, met: true }));
  process.exit(0);
}
const met = figures.dynamodb_5000_calls! <= TARGET.calls_max && figures.dynamodb_5000_cpu_ms! <= TARGET.cpu_ms_max;
lines.push(
  `  AWS path at 5,000 hosts: ${figures.dynamodb_5000_calls} calls, ${figures.dynamodb_5000_cpu_ms} ms CPU (targets ≤ ${TARGET.calls_max}, ≤ ${TARGET.cpu_ms_max} ms: ${met ? 'met' : 'NOT met'})`,
);
for (const l of lines) console.log(l);
if (json) console.log(JSON.stringify({ name: 'monitor-scale', figures, targets: TARGET, met }));
process.exit(0);
