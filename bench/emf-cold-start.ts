/**
 * What Powertools Metrics would add to a Lambda cold start, against our hand-written EMF sink.
 * Two minimal handlers that each publish the same three metrics are bundled the way
 * serverless.yml bundles functions (esbuild, ESM, minified, node24), then each bundle is loaded
 * and invoked once in a fresh Node process: load + first invocation time, median of N runs.
 *
 *   node bin/run-ts.js bench/emf-cold-start.ts [--runs 15] [--json]
 *
 * Needs @aws-lambda-powertools/metrics installed (it is not a dependency: this bench is why).
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
  const files = { ours: await bundle(dir, 'ours', OURS), powertools: await bundle(dir, 'powertools', POWERTOOLS) };
  const times: Record<string, number[]> = { ours: [], powertools: [] };
  // Interleaved, so a busy neighbour on the shared CI machine hurts both sides alike.
  for (let i = 0; i < runs; i++)
    for (const [name, file] of Object.entries(files)) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, file], {
        encoding: 'utf8',
        env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: 'bench', POWERTOOLS_METRICS_DISABLED: 'false' },
      });
      times[name]!.push(Number(r.stderr.trim().split('\n').at(-1)));
    }
  const figures = {
    runs,
    oursMs: Math.round(median(times.ours!) * 10) / 10,
    powertoolsMs: Math.round(median(times.powertools!) * 10) / 10,
    oursBundleKiB: Math.round(statSync(files.ours).size / 102.4) / 10,
    powertoolsBundleKiB: Math.round(statSync(files.powertools).size / 102.4) / 10,
  };
  if (argv.includes('--json')) console.log(JSON.stringify({ name: 'emf-cold-start', figures }));
  else
    console.log(
      `load + first invocation, median of ${runs} fresh processes: ours ${figures.oursMs} ms (${figures.oursBundleKiB} KiB), ` +
        `Powertools Metrics ${figures.powertoolsMs} ms (${figures.powertoolsBundleKiB} KiB)`,
    );
}

await main(process.argv.slice(2));
