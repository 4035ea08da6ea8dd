/**
 * The real binary under real conditions: in a pseudo-terminal (`script` from util-linux), through
 * pipes whose reader goes away, and interrupted with Ctrl-C (SIGINT) mid-evacuation. Each case
 * asserts the message, the exit code, and that nothing was lost or done twice.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, spawnCli } from './support/child.js';
import { STACK, isEvacuatePost, startRelEnv, until, type RelEnv } from './support/env.js';
import { recordFile, suite } from './support/results.js';

suite('faults', 'The operator CLI at a terminal, through pipes, and interrupted');

let env: RelEnv;
beforeAll(async () => {
  recordFile();
  env = await startRelEnv({
    hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'],
    sim: { maxInstancesPerHost: 50 },
  });
});
afterAll(async () => {
  await env.stop();
});

const childEnv = () => ({ ...process.env, NODE_OPTIONS: '', FREEZER_DR_LOG_LEVEL: 'info' });
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run argv in a pseudo-terminal; `answer` is typed once the prompt shows. */
function inTerminal(argv: string[], answer?: string): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, BIN, ...argv].map(shellQuote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (answer !== undefined && out.includes('Type the host name to confirm')) {
      child.stdin.write(answer);
      answer = undefined;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out })));
}

describe('at a terminal', () => {
  test('recover shows the timeline only; the JSON logs go to the log file it names', async () => {
    const r = await inTerminal(['recover', '--host', 'compute-1', '--yes', '--config', env.configPath]);
    const logFile = join(env.dir, 'freezer-dr.log');
    expect({ code: r.code, out: r.out }).toMatchObject({
      code: 0,
      out: expect.stringContaining(`JSON logs: ${logFile}`),
    });
    expect(r.out).toMatch(/fence {4}compute-1 confirmed powered off/);
    expect(r.out).not.toContain('{"level"');
    expect(existsSync(logFile)).toBe(true);
    const logged = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string });
    expect(logged.map((l) => l.message)).toContainEqual(expect.stringMatching(/compute-1 confirmed powered off/));
  });

  test('through a pipe nothing changes: human lines on stdout, JSON logs on stderr', async () => {
    const c = spawnCli('recover-pipe', ['recover', '--host', 'compute-2', '--yes', '--config', env.configPath]);
    const { code } = await c.exited;
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(/compute-2 confirmed powered off/);
    expect(c.stdout()).not.toContain('{"level"');
    expect(c.stderr()).toMatch(/^\{"level":"info"/m);
  });

  test('fence off: the terminal input ends before an answer → exit 2 naming --yes, nothing fenced', async () => {
    env.mark();
    const r = await inTerminal(['fence', 'off', '--host', 'compute-3', '--config', env.configPath], '\x04');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /the input ended before an answer; nothing was done\r?\nhint: run it at a terminal, or add --yes/,
    );
    expect(r.out).not.toMatch(STACK);
    expect(env.sim.powerState('compute-3')).toBe('On');
    expect((await env.figures({ rejected: true })).unsafe.changesFromRejectedInput).toBe(0);
  });
});

describe('pipes whose reader has gone', () => {
  test('`incidents ID | head -1` ends quietly, exit 0', async () => {
    const id = (await env.rt.store.listIncidents()).find((i) => i.host === 'compute-1')!.id;
    const cmd = `set -o pipefail; ${[process.execPath, BIN, 'incidents', id, '--config', env.configPath].map(shellQuote).join(' ')} | head -1`;
    const r = spawnSync('bash', ['-c', cmd], { env: childEnv(), encoding: 'utf8' });
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toBe(`Incident ${id}\n`);
  });

  test.each([
    ['stdout', ['incidents', '--config', '@'], 0],
    ['stderr', ['incidents', 'inc-nope', '--config', '@'], 2],
  ] as const)('a closed %s: no EPIPE, no stack, the command keeps its exit code', async (stream, argv, code) => {
    const args = argv.map((a) => (a === '@' ? env.configPath : a));
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let other = '';
    // The reader goes away before the first line is written.
    (stream === 'stdout' ? child.stdout : child.stderr).destroy();
    (stream === 'stdout' ? child.stderr : child.stdout).setEncoding('utf8').on('data', (d: string) => (other += d));
    const exit = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(exit).toBe(code);
    expect(other).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe('Ctrl-C during recover', () => {
  let env: RelEnv;
  beforeAll(async () => {
    // Its own cloud, so every migration in it is this case's; evacuations slow enough (3 s
    // each) to press Ctrl-C while some are in flight.
    env = await startRelEnv({ hosts: ['compute-1', 'compute-2', 'compute-3'], sim: { rebuildMs: 3000 } });
  });
  afterAll(async () => {
    await env.stop();
  });

  test('prints what was done, the state and the resuming command (exit 130); that command finishes it', async () => {
    const host = 'compute-1';
    const c = spawnCli('recover-sigint', ['recover', '--host', host, '--yes', '--config', env.configPath], {
      FREEZER_DR_PROGRESS_EVERY_MS: '500',
    });
    await until('an evacuation in flight', () => /evacuate evacuating /.test(c.stdout()), 30_000);
    // While the evacuations run, a progress line says where it stands.
    await until(
      'a progress line',
      () => /^… evacuating: power-off confirmed at .* in flight/m.test(c.stdout()),
      30_000,
    );
    const { code } = await c.stop('SIGINT', 30_000);
    const incident = (await env.rt.store.listIncidents()).find((i) => i.host === host)!;
    expect(code).toBe(130);
    expect(c.stdout()).toMatch(new RegExp(`Interrupted\\. Incident ${incident.id} for ${host} is evacuating\\.`));
    expect(c.stdout()).toMatch(
      /done so far: power-off confirmed at .*; forced down and disabled in Nova; \d+ of \d+ instance\(s\) evacuated, \d+ in flight/,
    );
    expect(c.stdout()).toContain(`resume it with: freezer-dr incidents retry ${incident.id}`);
    expect(c.stderr()).not.toMatch(STACK);
    expect(incident.status).toBe('evacuating');

    // recover refuses the host, and says how to resume.
    const refused = await env.cli('recover', '--host', host, '--yes', '--config', env.configPath);
    expect(refused.code).toBe(4);
    expect(refused.err).toMatch(
      new RegExp(
        `already has an open incident ${incident.id} \\(evacuating\\)\\nhint: see it with: freezer-dr incidents ${incident.id}; no in-process run holds it .*resume it with: freezer-dr incidents retry ${incident.id}`,
      ),
    );

    const posts = env.sim.requestLog.filter(isEvacuatePost).length;
    const retry = spawnCli('retry', ['incidents', 'retry', incident.id, '--config', env.configPath]);
    expect((await retry.exited).code).toBe(0);
    expect(retry.stdout()).toMatch(/status\s+resolved/);
    expect(env.sim.requestLog.filter(isEvacuatePost).length).toBeGreaterThanOrEqual(posts);
    // S5 and nothing lost: every instance evacuated once, every record final.
    await env.finish();
  });
});
