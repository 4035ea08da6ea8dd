/**
 * Every benchmark, one after the other, each in its own process; prints their figures and,
 * with --json, one summary object on the last line.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES: Array<[string, string[]]> = [
  ['recovery', ['bench/recovery.ts']],
  ['fence', ['bench/fence.ts']],
  ['bundle', ['bench/bundle.ts', '--package']],
  // After bundle: it reads the packages that one just made.
  ['cold-start', ['bench/cold-start.ts']],
  ['evacuate-scale', ['bench/evacuate-scale.ts']],
  ['cli', ['bench/cli.ts']],
  ['monitor-scale', ['bench/monitor-scale.ts']],
  ['detect', ['bench/detect.ts']],
];
const json = process.argv.includes('--json');
const root = fileURLToPath(new URL('..', import.meta.url));
const summary: Record<string, unknown> = {};
for (const [name, argv] of BENCHES) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['bin/run-ts.js', ...argv, '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = (r.stdout ?? '').trimEnd().split('\n');
  const last = lines.pop() ?? '';
  console.log(lines.join('\n'));
  try {
    summary[name] = JSON.parse(last);
  } catch {
    console.log(last);
    summary[name] = { name, error: `exit ${r.status}` };
  }
}
if (json)
  console.log(
    JSON.stringify({
      name: 'all',
      figures: summary,
      targets: {},
      met: Object.values(summary).every((s) => (s as { met?: boolean }).met === true),
    }),
  );
