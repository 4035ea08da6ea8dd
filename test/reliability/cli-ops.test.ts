/**
 * The operator's CLI, in-process against the simulated cloud: the exit-code table over every
 * command, --json everywhere something is reported, `incidents close|retry|watch`.
 * Each refusal asserts its message and code, no stack trace, and that nothing changed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { hostname } from 'node:os';
import { commandNames } from '../../cli/main.js';
import { EXIT } from '../../cli/exit-codes.js';
import { newIncident, buildExecutionInput } from '../../lib/workflow/index.js';
import { STACK, isEvacuatePost, startRelEnv, type CliResult, type RelEnv } from './support/env.js';
import { noUnsafe, recordCase, recordFile, suite } from './support/results.js';

suite('bad-input', 'The operator CLI: exit codes, --json, incidents close/retry/watch');

let env: RelEnv;
beforeAll(async () => {
  recordFile();
  delete process.env.FREEZER_DR_DEBUG;
  delete process.env.FREEZER_DR_STATE_MACHINE_ARN;
  env = await startRelEnv({ hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'] });
});
afterAll(async () => {
  await env.stop();
});

const cli = (...argv: string[]) => env.cli(...argv, '--config', env.configPath);

/** A refusal: its code and message, no stack trace, no change in the cloud, no incident opened or closed. */
async function expectRefused(
  run: () => Promise<CliResult>,
  code: number,
  message: RegExp,
  stream: 'err' | 'out' = 'err',
) {
  const before = JSON.stringify(await env.rt.store.listIncidents());
  env.mark();
  const r = await run();
  const f = await env.figures({ rejected: true });
  recordCase({ unsafe: f.unsafe, lost: f.lost });
  expect({ code: r.code, message: r[stream] }).toEqual({ code, message: expect.stringMatching(message) });
  expect(`${r.out}\n${r.err}`).not.toMatch(STACK);
  expect(f.unsafe.changesFromRejectedInput).toBe(0);
  expect(JSON.stringify(await env.rt.store.listIncidents())).toBe(before);
  return r;
}

/**
 * The README's exit-code table, command by command. A new command adds its rows here; every
 * registered command is also checked for --help, `help <command>` and an unknown option below.
 */
type Row = [name: string, argv: string[], code: number, message: RegExp, stream?: 'err' | 'out'];
const ROWS: Row[] = [
  ['no command', [], EXIT.usage, /^freezer-dr — compute-node high availability/, 'out'],
  [
    'an unknown command lists the commands',
    ['frobnicate'],
    EXIT.usage,
    new RegExp(`unknown command "frobnicate"\nhint: the commands are: ${commandNames().join(', ')}\n`),
  ],
  ['help for an unknown command', ['help', 'frobnicate'], EXIT.usage, /unknown command "frobnicate"/],
  [
    'incidents: an unknown incident',
    ['incidents', 'inc-nope', '--config', '@'],
    EXIT.usage,
    /error: no incident inc-nope/,
  ],
  [
    'incidents close: an unknown incident',
    ['incidents', 'close', 'inc-nope', '--reason', 'x', '--config', '@'],
    EXIT.usage,
    /error: no incident inc-nope/,
  ],
  [
    'incidents close without --reason',
    ['incidents', 'close', 'inc-nope', '--config', '@'],
    EXIT.usage,
    /--reason is required/,
  ],
  [
    'incidents close without an id',
    ['incidents', 'close', '--reason', 'x', '--config', '@'],
    EXIT.usage,
    /incidents close: expected one incident id/,
  ],
  [
    'incidents retry: an unknown incident',
    ['incidents', 'retry', 'inc-nope', '--config', '@'],
    EXIT.usage,
    /error: no incident inc-nope/,
  ],
  [
    'incidents watch: an unknown incident',
    ['incidents', 'watch', 'inc-nope', '--config', '@'],
    EXIT.usage,
    /error: no incident inc-nope/,
  ],
  [
    'incidents close --remote without a table',
    ['incidents', 'close', 'inc-x', '--reason', 'x', '--remote'],
    EXIT.usage,
    /FREEZER_DR_STORE_TABLE is not set/,
  ],
  [
    'fence status: a host without a BMC entry',
    ['fence', 'status', '--host', 'compute-99', '--config', '@'],
    EXIT.usage,
    /no BMC is configured for host compute-99/,
  ],
  [
    'fence off without a terminal names --yes',
    ['fence', 'off', '--host', 'compute-1', '--config', '@'],
    EXIT.usage,
    /there is no terminal to confirm it; nothing was done\nhint: run it at a terminal, or add --yes/,
  ],
  [
    'recover: a host Nova does not have',
    ['recover', '--host', 'compute-99', '--config', '@'],
    EXIT.usage,
    /Nova has no nova-compute service on host "compute-99"/,
  ],
  [
    'recover --detach without --remote',
    ['recover', '--host', 'compute-1', '--detach', '--config', '@'],
    EXIT.usage,
    /--detach only goes with --remote/,
  ],
  [
    'recover of a host Nova sees up, without a terminal',
    ['recover', '--host', 'compute-1', '--config', '@'],
    EXIT.usage,
    /no terminal to confirm it.*\nhint: run it at a terminal, or add --yes/,
  ],
  [
    'return: a host Nova does not have',
    ['return', '--host', 'compute-99', '--config', '@'],
    EXIT.usage,
    /Nova has no nova-compute service on host "compute-99"/,
  ],
  ['check: no config file', ['check', '--config', '/nonexistent/freezer-dr.yaml'], EXIT.usage, /config file not found/],
  ['pause: no config file', ['pause', '--config', '/nonexistent/freezer-dr.yaml'], EXIT.usage, /config file not found/],
  ['start: no config file', ['start', '--config', '/nonexistent/freezer-dr.yaml'], EXIT.usage, /config file not found/],
  ['demo: an unexpected argument', ['demo', 'now'], EXIT.usage, /demo: Unexpected argument 'now'/],
];

describe('exit codes as the README table says', () => {
  // One argument per case: a row without its optional stream must not read as jest's `done`.
  test.each(ROWS.map((row) => [row[0], row] as const))('%s', async (_name, [, argv, code, message, stream]) => {
    const args = argv.map((a) => (a === '@' ? env.configPath : a));
    await expectRefused(() => env.cli(...args), code, message, stream);
  });

  test('every command: --help and `help <command>` print its help (exit 0); an unknown option is exit 2', async () => {
    for (const name of commandNames()) {
      const own = await env.cli(name, '--help');
      const viaHelp = await env.cli('help', name);
      expect([name, own.code, viaHelp.code]).toEqual([name, 0, 0]);
      expect(own.out).toMatch(/^Usage: freezer-dr/);
      expect(viaHelp.out).toBe(own.out);
      await expectRefused(() => env.cli(name, '--no-such-option'), EXIT.usage, /Unknown option '--no-such-option'/);
    }
  });

  test('--version prints the version of package.json', async () => {
    const r = await env.cli('--version');
    expect(r).toEqual({ code: 0, out: expect.stringMatching(/^freezer-dr \d+\.\d+\.\d+$/), err: '' });
  });

  test('recover while paused: exit 4, nothing done', async () => {
    expect((await cli('pause')).code).toBe(0);
    try {
      await expectRefused(
        () => cli('recover', '--host', 'compute-1', '--yes'),
        EXIT.refused,
        /recoveries are paused; nothing was done\nhint: freezer-dr resume/,
      );
    } finally {
      expect((await cli('resume')).code).toBe(0);
    }
  });
});

describe('--json: one JSON document on stdout, nothing else', () => {
  test.each([
    ['pause', ['pause', '--json'], (j: any) => expect(j).toMatchObject({ paused: true, by: expect.any(String) })],
    ['resume', ['resume', '--json'], (j: any) => expect(j).toMatchObject({ paused: false, by: null })],
    [
      'fence status',
      ['fence', 'status', '--host', 'compute-2', '--json'],
      (j: any) =>
        expect(j).toMatchObject({ host: 'compute-2', action: 'status', power: 'on', bmcMs: expect.any(Number) }),
    ],
    ['check', ['check', '--json'], (j: any) => expect(j.hosts).toHaveLength(4)],
    [
      'recover --dry-run',
      ['recover', '--host', 'compute-2', '--dry-run', '--json'],
      (j: any) => expect(j).toMatchObject({ host: 'compute-2', wouldRun: true }),
    ],
    [
      'return (already in service)',
      ['return', '--host', 'compute-2', '--json'],
      (j: any) =>
        expect(j).toMatchObject({
          host: 'compute-2',
          inService: true,
          steps: [expect.stringMatching(/already in service/)],
        }),
    ],
    ['incidents', ['incidents', '--json'], (j: any) => expect(Array.isArray(j)).toBe(true)],
  ] as const)('%s', async (_name, argv, check) => {
    const r = await cli(...argv);
    expect(r.code).toBe(0);
    check(JSON.parse(r.out));
    expect(r.out.trim().split('\n').length === 1 || r.out.trim().startsWith('{') || r.out.trim().startsWith('[')).toBe(
      true,
    );
  });
});

/** An open incident as a run killed mid-evacuation leaves it (fence confirmed, isolated, planned). */
async function stuckIncident(host: string, status: 'evacuating' | 'fencing') {
  const input = buildExecutionInput({ host, reason: 'stuck', requestedBy: 'test', now: new Date() });
  const at = new Date();
  const incident = {
    ...newIncident(input, at),
    status,
    ...(status === 'evacuating'
      ? {
          fence: {
            fenced: true,
            method: 'redfish',
            target: 'test',
            confirmedAt: at.toISOString(),
            attempts: 1,
            alreadyOff: false,
          },
          isolation: {
            serviceId: 's',
            forcedDownAt: at.toISOString(),
            disabledAt: at.toISOString(),
            disabledReason: 'test',
          },
          plan: { host, items: [], skipped: [], plannedAt: at.toISOString() },
        }
      : {}),
  } as const;
  await env.rt.store.createIncident(incident as never);
  return input.incidentId;
}

const lease = (id: string, pid: number, renewedAt = new Date()) =>
  env.rt.store.putSetting(
    `execution:${id}`,
    JSON.stringify({
      incidentId: id,
      machine: hostname(),
      pid,
      startedAt: renewedAt.toISOString(),
      renewedAt: renewedAt.toISOString(),
    }),
  );

describe('incidents close', () => {
  test('refused (exit 4) while an execution holds the incident; closes it once that process is gone', async () => {
    const id = await stuckIncident('compute-3', 'evacuating');
    await lease(id, process.pid);
    await expectRefused(
      () => cli('incidents', 'close', id, '--reason', 'stuck'),
      EXIT.refused,
      new RegExp(`incident ${id} is still being worked on \\(running in pid ${process.pid}`),
    );
    expect((await env.rt.store.getIncident(id))?.status).toBe('evacuating');
    // The process that held it died (no pid of that number runs here): its lease no longer counts.
    await lease(id, 2 ** 22 + 12345);
    const r = await cli('incidents', 'close', id, '--reason', 'host repaired by hand', '--json');
    expect(r.code).toBe(0);
    const closed = JSON.parse(r.out).incident;
    expect(closed).toMatchObject({ id, status: 'resolved', error: { name: 'ClosedByOperator' } });
    expect(closed.closedAt).toEqual(expect.any(String));
    const events = await env.rt.store.listEvents(id);
    expect(events.at(-1)?.message).toMatch(/^closed by operator:\S+: host repaired by hand \(it was evacuating\)/);
    // S4's lock is released: the host can have a new incident.
    expect(await env.rt.store.findOpenIncident('compute-3')).toBeUndefined();
    expect(await env.rt.store.getSetting(`execution:${id}`)).toBeUndefined();
    // Closing twice is bad input, and changes nothing.
    await expectRefused(
      () => cli('incidents', 'close', id, '--reason', 'again'),
      EXIT.usage,
      /is already closed \(resolved\)/,
    );
  });

  test('an incident stuck before its fence closes as fence-failed', async () => {
    const id = await stuckIncident('compute-4', 'fencing');
    const r = await cli('incidents', 'close', id, '--reason', 'BMC replaced');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`closed incident ${id} as fence-failed`));
    expect(await env.rt.store.findOpenIncident('compute-4')).toBeUndefined();
  });

  test('retry refuses an incident whose power-off was never confirmed (S1, exit 4)', async () => {
    const id = (await env.rt.store.listIncidents()).find((i) => i.host === 'compute-4')!.id;
    await expectRefused(
      () => cli('incidents', 'retry', id),
      EXIT.refused,
      /has no confirmed power-off of compute-4: nothing is evacuated \(S1\)/,
    );
  });
});

describe('incidents retry and watch', () => {
  test('S5: an instance recorded failed that Nova already moved is recorded evacuated, never sent again', async () => {
    const host = 'compute-1';
    const r = await env.recover(host);
    expect(r.status).toBe('SUCCEEDED');
    const records = await env.rt.store.listInstances(r.incidentId);
    const moved = records.find((x) => x.outcome === 'evacuated')!;
    // What a run that lost track of it would have written: failed, and the incident partial.
    await env.rt.store.putInstance({ ...moved, outcome: 'failed', targetHost: null, reason: 'lost track' });
    await env.rt.store.updateIncident(r.incidentId, { status: 'partial' });
    const posts = env.sim.requestLog.filter(isEvacuatePost).length;
    const retry = await cli('incidents', 'retry', r.incidentId, '--json');
    expect(retry.code).toBe(0);
    expect(env.sim.requestLog.filter(isEvacuatePost).length).toBe(posts);
    expect(JSON.parse(retry.out).incident.status).toBe('resolved');
    const again = await env.rt.store.getInstance(r.incidentId, moved.instanceId);
    expect(again).toMatchObject({ outcome: 'evacuated', targetHost: moved.targetHost });
    expect((await env.rt.store.listEvents(r.incidentId)).map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^retry requested by operator:\\S+ \\(it was partial\\): evacuating again ${moved.name}$`),
      ),
    );
    // The cases above left hand-made incidents behind: count the unsafe actions only.
    expect((await env.figures()).unsafe).toEqual(noUnsafe());
  });

  test('a resolved incident has nothing to retry (exit 0, nothing sent)', async () => {
    const id = (await env.rt.store.listIncidents()).find((i) => i.host === 'compute-1')!.id;
    env.mark();
    const r = await cli('incidents', 'retry', id);
    expect(r).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^nothing to retry: every instance of .* is settled \(resolved\)/),
    });
    expect((await env.figures({ rejected: true })).unsafe.changesFromRejectedInput).toBe(0);
  });

  test('watch --json prints every event as one JSON line and exits as the incident ended', async () => {
    const id = (await env.rt.store.listIncidents()).find((i) => i.host === 'compute-1')!.id;
    const r = await cli('incidents', 'watch', id, '--json');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength((await env.rt.store.listEvents(id)).length);
    expect(lines.at(-1)).toMatchObject({ incidentId: id, step: 'done' });
    const human = await cli('incidents', 'watch', id);
    expect(human.out).toMatch(new RegExp(`incident ${id} ended resolved$`));
  });

  test('a failed evacuation is sent again by retry once the cause is gone, exactly once', async () => {
    const host = 'compute-2';
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.status === 'ACTIVE')!;
    env.sim.faults.noValidHostFor = new Set([victim.id]);
    const r = await env.recover(host);
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('partial');
    expect(await env.rt.store.getInstance(r.incidentId, victim.id)).toMatchObject({ outcome: 'failed' });
    env.sim.faults.noValidHostFor = new Set();
    const path = (x: { path: string }) => x.path.includes(`/servers/${victim.id}/action`);
    const before = env.sim.requestLog.filter((x) => isEvacuatePost(x) && path(x)).length;
    const retry = await cli('incidents', 'retry', r.incidentId);
    expect(retry.code).toBe(0);
    expect(retry.out).toMatch(/status\s+resolved/);
    expect(env.sim.requestLog.filter((x) => isEvacuatePost(x) && path(x)).length).toBe(before + 1);
    expect(env.sim.snapshot().servers.find((s) => s.id === victim.id)).toMatchObject({ status: 'ACTIVE' });
    expect(env.sim.snapshot().servers.find((s) => s.id === victim.id)?.host).not.toBe(host);
  });
});

test('the exit-code table names every code the CLI uses', () => {
  expect(Object.values(EXIT).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 130]);
});
