/**
 * Safety-rule mutation check (`npm run test:mutations`): for each mutation in mutations.ts, copy
 * the tracked tree to a scratch folder, break the rule there, run the tests named for it, and
 * require them to FAIL. Exits 1 when any mutation survives or no longer applies.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MUTATIONS, type Mutation } from './mutations.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const only = process.argv.slice(2);

function trackedFiles(): string[] {
  const out = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
  if (out.status !== 0) throw new Error(`git ls-files failed: ${out.stderr.toString()}`);
  return out.stdout.toString().split('\0').filter(Boolean);
}

function scratchCopy(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fdr-mutation-'));
  for (const f of files) {
    try {
      cpSync(join(ROOT, f), join(dir, f), { recursive: false });
    } catch {
      // A tracked file deleted in the working tree: not part of what is tested.
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function apply(dir: string, m: Mutation): void {
  const path = join(dir, m.file);
  const src = readFileSync(path, 'utf8');
  const count = src.split(m.find).length - 1;
  if (count !== 1)
    throw new Error(`${m.rule} (${m.what}): expected the text once in ${m.file}, found it ${count} times`);
  writeFileSync(path, src.replace(m.find, m.replace));
}

function runTests(dir: string, tests: string[]): { failed: boolean; summary: string } {
  const r = spawnSync(process.execPath, [join(dir, 'node_modules/jest/bin/jest.js'), '--ci', '--silent', ...tests], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' },
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const summary = (r.stderr + r.stdout).split('\n').find((l) => l.startsWith('Tests:')) ?? `exit ${r.status}`;
  return { failed: r.status !== 0, summary: summary.trim() };
}

const files = trackedFiles();
const chosen = MUTATIONS.filter((x) => only.length === 0 || only.includes(x.rule));
// A mutation only counts as caught if the same tests pass on the unmutated copy.
const baselineDir = scratchCopy(files);
const baseline = runTests(baselineDir, [...new Set(chosen.flatMap((m) => m.tests))]);
rmSync(baselineDir, { recursive: true, force: true });
if (baseline.failed) {
  process.stdout.write(`the unmutated tree fails its own safety tests (${baseline.summary}): nothing to compare\n`);
  process.exit(1);
}
process.stdout.write(`baseline   safety tests pass unmutated: ${baseline.summary}\n`);
let survivors = 0;
for (const m of chosen) {
  const dir = scratchCopy(files);
  const label = `${m.rule} ${m.what}`;
  try {
    apply(dir, m);
    const { failed, summary } = runTests(dir, m.tests);
    if (failed) process.stdout.write(`killed    ${label}: ${summary}\n`);
    else {
      survivors++;
      process.stdout.write(`SURVIVED  ${label}: ${m.tests.join(', ')} stayed green (${summary})\n`);
    }
  } catch (err) {
    survivors++;
    process.stdout.write(`BROKEN    ${label}: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(survivors ? `${survivors} mutation(s) not caught\n` : 'every safety-rule mutation was caught\n');
process.exitCode = survivors ? 1 : 0;
