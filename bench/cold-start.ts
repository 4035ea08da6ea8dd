/**
 * Cold start of each Lambda: a fresh Node process imports the packaged bundle (the .mjs inside
 * `.serverless/<function>.zip`), median of 5 processes per function. The AWS SDK v3 clients are
 * not in the bundles (the runtime ships them); the ones a bundle imports eagerly are imported
 * first and reported apart, and so is node:http (which our HTTP client and middy need; Node
 * loads undici with it), so "ours" is the CPU our own code costs. Target: ours ≤ 150 ms.
 *
 *   npm run bench:cold-start [-- --package] [-- --runs 5] [-- --json]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const OURS_MAX_MS = 150;

if (args.includes('--package')) {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'ci'],
    { cwd: ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (r.status !== 0) throw new Error('osls package failed');
}

/** Inside the repository, so `@aws-sdk/*` resolves from node_modules as it does from the runtime's. */
const WORK = join(ROOT, '.esbuild', 'cold-start');
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

/** Static imports of the SDK at the top of an ESM bundle: loaded before a single line of ours runs. */
function eagerSdkImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(
    /(?:^|[;\n])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["'](@aws-sdk\/[^"']+|@smithy\/[^"']+)["']/g,
  ))
    found.add(m[1]!);
  return [...found].sort();
}

/** The entry file and every chunk reachable from it through static imports. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+)["']/g))
      visit(join(dirname(file), m[1]!));
  };
  visit(entry);
  return [...seen];
}

const PROBE = `
const sdk = JSON.parse(process.argv[1]);
const bundle = process.argv[2];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = cpu();
for (const m of sdk) await import(m);
const t1 = cpu();
await import('node:http');
const t2 = cpu();
await import(bundle);
const t3 = cpu();
console.log(JSON.stringify({ sdkMs: t1 - t0, builtinsMs: t2 - t1, oursMs: t3 - t2, rssMiB: process.memoryUsage().rss / 1048576 }));
`;

interface Sample {
  sdkMs: number;
  builtinsMs: number;
  oursMs: number;
  rssMiB: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const state = JSON.parse(readFileSync(join(ROOT, '.serverless', 'serverless-state.json'), 'utf8')) as {
  service: { functions: Record<string, { handler: string }> };
};
const handlers = Object.fromEntries(Object.entries(state.service.functions).map(([k, f]) => [k, f.handler]));
const zips = readdirSync(join(ROOT, '.serverless'))
  .filter((f) => f.endsWith('.zip'))
  .sort();
if (zips.length === 0) throw new Error('no .serverless/*.zip: run with --package');

const figures: Record<string, number> = { runs };
const lines = [`cold start: fresh process importing each packaged bundle, median of ${runs} (CPU ms)`];
lines.push('  function            total   AWS SDK  node:http   ours   loaded KiB   SDK imported eagerly');
let worst = 0;
for (const zip of zips) {
  const fn = zip.replace(/\.zip$/, '');
  const dir = join(WORK, fn);
  mkdirSync(dir, { recursive: true });
  const unzip = spawnSync('unzip', ['-o', '-q', join(ROOT, '.serverless', zip), '-d', dir]);
  if (unzip.status !== 0) throw new Error(`unzip ${zip} failed`);
  const path = join(dir, `${handlers[fn]!.replace(/\.[^.]+$/, '')}.mjs`);
  // With code splitting, what a cold start loads is the entry and the chunks it imports statically.
  const code = staticClosure(path)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const sdk = eagerSdkImports(code);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', PROBE, JSON.stringify(sdk), pathToFileURL(path).href],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    if (r.status !== 0) throw new Error(`${fn}: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample);
  }
  const sdkMs = median(samples.map((s) => s.sdkMs));
  const oursMs = median(samples.map((s) => s.oursMs));
  const builtinsMs = median(samples.map((s) => s.builtinsMs));
  const totalMs = median(samples.map((s) => s.sdkMs + s.builtinsMs + s.oursMs));
  figures[`${fn}_total_ms`] = Math.round(totalMs);
  figures[`${fn}_sdk_ms`] = Math.round(sdkMs);
  figures[`${fn}_node_http_ms`] = Math.round(builtinsMs);
  figures[`${fn}_ours_ms`] = Math.round(oursMs);
  figures[`${fn}_bundle_kib`] = Math.round(code.length / 1024);
  worst = Math.max(worst, oursMs);
  lines.push(
    `  ${fn.padEnd(18)} ${totalMs.toFixed(0).padStart(6)} ${sdkMs.toFixed(0).padStart(9)} ${builtinsMs.toFixed(0).padStart(10)} ${oursMs.toFixed(0).padStart(6)} ${String(
      Math.round(code.length / 1024),
    ).padStart(12)}   ${sdk.map((s) => s.replace('@aws-sdk/', '')).join(', ') || '—'}`,
  );
}
figures.worst_ours_ms = Math.round(worst);
const met = worst <= OURS_MAX_MS;
lines.push(`  worst "ours" ${worst.toFixed(0)} ms (target ≤ ${OURS_MAX_MS} ms: ${met ? 'met' : 'NOT met'})`);
for (const l of lines) console.log(l);
if (json) console.log(JSON.stringify({ name: 'cold-start', figures, targets: { ours_max_ms: OURS_MAX_MS }, met }));
