/**
 * What Powertools Metrics and Logger would add to a Lambda cold start, against our hand-written
 * EMF sink and our logger. Minimal handlers (three metrics; one log line) are bundled the way
 * serverless.yml bundles functions (esbuild, ESM, minified, node24), then each bundle is loaded
 * and invoked once in a fresh Node process: load + first invocation time, median of N runs.
 *
 *   node bin/run-ts.js bench/emf-cold-start.ts [--runs 15] [--json]
 *
 * Needs @aws-lambda-powertools/metrics and /logger installed (they are not dependencies: this bench is why).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');

const OURS = `
import { createEmfSink, recordMetric, setMetricSinks } from ${JSON.stringify(join(ROOT, 'lib/metrics/index.ts'))};
setMetricSinks([createEmfSink({ namespace: 'bench', write: () => {} })]);
export const handler = async () => {
  recordMetric('detections', 1, {});
  recordMetric('gateFirings', 1, { gate: 'observer' });
  recordMetric('monitorPassDuration', 0.3, {});
  return 'ok';
};`;

const POWERTOOLS = `
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
const metrics = new Metrics({ namespace: 'bench', serviceName: 'freezer-dr' });
export const handler = async () => {
  metrics.addMetric('Detections', MetricUnit.Count, 1);
  const gate = metrics.singleMetric();
  gate.addDimension('gate', 'observer');
  gate.addMetric('GateFirings', MetricUnit.Count, 1);
  metrics.addMetric('MonitorPassDuration', MetricUnit.Seconds, 0.3);
  metrics.publishStoredMetrics();
  return 'ok';
};`;

const OURS_LOG = `
import { createLogger } from ${JSON.stringify(join(ROOT, 'lib/log/index.ts'))};
const log = createLogger({ write: () => {} });
export const handler = async () => {
  log.info('pass done', { hosts: 6, gates: [] });
  return 'ok';
};`;

const POWERTOOLS_LOG = `
import { Logger } from '@aws-lambda-powertools/logger';
const log = new Logger({ serviceName: 'freezer-dr', logLevel: 'INFO' });
export const handler = async () => {
  log.info('pass done', { hosts: 6, gates: [] });
  return 'ok';
};`;

const PROBE = `
const t0 = performance.now();
const m = await import(process.argv[1]);
await m.handler({}, {});
process.stderr.write(String(performance.now() - t0));
`;

async function bundle(dir: string, name: string, source: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    outfile,
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 15;
  const dir = mkdtempSync(join(tmpdir(), 'fdr-emf-'));
  const files: Record<string, string> = {
    ours: await bundle(dir, 'ours', OURS),
    powertools: await bundle(dir, 'powertools', POWERTOOLS),
    oursLog: await bundle(dir, 'ours-log', OURS_LOG),
    powertoolsLog: await bundle(dir, 'powertools-log', POWERTOOLS_LOG),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
  // Interleaved, so a busy neighbour on the shared CI machine hurts both sides alike.
  for (let i = 0; i < runs; i++)
    for (const [name, file] of Object.entries(files)) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, file], {
        encoding: 'utf8',
        env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: 'bench', POWERTOOLS_METRICS_DISABLED: 'false' },
      });
      times[name]!.push(Number(r.stderr.trim().split('\n').at(-1)));
    }
  const ms = (k: string) => Math.round(median(times[k]!) * 10) / 10;
  const kib = (k: string) => Math.round(statSync(files[k]!).size / 102.4) / 10;
  const figures = {
    runs,
    oursMs: ms('ours'),
    powertoolsMs: ms('powertools'),
    oursBundleKiB: kib('ours'),
    powertoolsBundleKiB: kib('powertools'),
    oursLogMs: ms('oursLog'),
    powertoolsLogMs: ms('powertoolsLog'),
    oursLogBundleKiB: kib('oursLog'),
    powertoolsLogBundleKiB: kib('powertoolsLog'),
  };
  if (argv.includes('--json')) console.log(JSON.stringify({ name: 'emf-cold-start', figures }));
  else
    console.log(
      `load + first invocation, median of ${runs} fresh processes:\n` +
        `  metrics: ours ${figures.oursMs} ms (${figures.oursBundleKiB} KiB), Powertools Metrics ${figures.powertoolsMs} ms (${figures.powertoolsBundleKiB} KiB)\n` +
        `  logger:  ours ${figures.oursLogMs} ms (${figures.oursLogBundleKiB} KiB), Powertools Logger ${figures.powertoolsLogMs} ms (${figures.powertoolsLogBundleKiB} KiB)`,
    );
}

await main(process.argv.slice(2));
