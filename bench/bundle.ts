/**
 * Zipped size of each function's deployment artifact, as `osls package` leaves them in .serverless/
 * (package.individually: one <function>.zip each). Target: ≤ 500 KiB per function.
 *
 *   npx tsx bench/bundle.ts            # table
 *   npx tsx bench/bundle.ts --json     # last line: {"name":"bundle","figures":{...},"targets":{"maxKiB":500},"met":bool}
 *   npx tsx bench/bundle.ts --package  # run `osls package --stage ci` first
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MAX_KIB = 500;
const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');

export interface BundleFigure {
  name: string;
  zippedBytes: number;
  /** Bytes of the bundled .mjs inside the zip (from the zip's central directory). */
  unzippedBytes: number;
}

/** Uncompressed size of every entry, read from the zip's central directory. */
function unzippedSize(path: string): number {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return 0;
  let at = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = buf.readUInt16LE(eocd + 10); i > 0; i--) {
    total += buf.readUInt32LE(at + 24);
    at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return total;
}

export function measureBundles(dir = join(ROOT, '.serverless')): BundleFigure[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.zip$/, ''),
      zippedBytes: statSync(join(dir, f)).size,
      unzippedBytes: unzippedSize(join(dir, f)),
    }));
}

const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

function main(argv: string[]): number {
  const json = argv.includes('--json');
  if (argv.includes('--package')) {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'ci'],
      {
        cwd: ROOT,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
        stdio: json ? ['ignore', 'ignore', 'inherit'] : 'inherit',
      },
    );
    if (run.status !== 0) return run.status ?? 1;
  }
  const figures = measureBundles();
  if (figures.length === 0) {
    console.error('no .serverless/*.zip: run `npm run package` first (or pass --package)');
    return 1;
  }
  const largest = Math.max(...figures.map((f) => f.zippedBytes));
  const met = largest <= MAX_KIB * 1024;
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    const flag = f.zippedBytes > MAX_KIB * 1024 ? '  OVER' : '';
    console.log(
      `${f.name.padEnd(width)}  ${kib(f.zippedBytes).toFixed(1).padStart(7)} KiB zipped  ${kib(f.unzippedBytes).toFixed(1).padStart(8)} KiB unzipped${flag}`,
    );
  }
  console.log(
    `largest ${kib(largest).toFixed(1)} KiB zipped; target ≤ ${MAX_KIB} KiB each: ${met ? 'met' : 'NOT met'}`,
  );
  if (json) {
    const perFunction = Object.fromEntries(figures.map((f) => [`${f.name}KiB`, kib(f.zippedBytes)]));
    console.log(
      JSON.stringify({
        name: 'bundle',
        figures: {
          ...perFunction,
          largestKiB: kib(largest),
          totalKiB: kib(figures.reduce((n, f) => n + f.zippedBytes, 0)),
        },
        targets: { maxKiB: MAX_KIB },
        met,
      }),
    );
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = main(process.argv.slice(2));
