/**
 * Bad input, table-driven: config files and CLI arguments. Every case: exit code ≠ 0 (2 for a
 * usage/config error unless stated), a message naming the problem, no stack trace, and nothing
 * half-done — no PUT/POST reached the cloud or a BMC, no incident exists.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnCli } from './support/child.js';
import { addSecret } from './support/corpus.js';
import { STACK, startRelEnv, type CliResult, type RelEnv } from './support/env.js';
import { recordCase, recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('bad-input', 'Bad input: config files and CLI arguments');

let env: RelEnv;
beforeAll(async () => {
  recordFile();
  delete process.env.FREEZER_DR_DEBUG;
  env = await startRelEnv({ hosts: ['compute-1', 'compute-2', 'compute-3'] });
});
afterAll(async () => {
  await env.stop();
});

let n = 0;
/** Write a config file: a YAML text as is, or the valid base config edited by `edit`. */
function configFile(content: string | ((c: Record<string, any>) => void)): string {
  const path = join(env.dir, `case-${++n}.yaml`);
  if (typeof content === 'string') writeFileSync(path, content);
  else {
    const raw = structuredClone(env.raw);
    content(raw);
    writeFileSync(path, stringify(raw));
  }
  return path;
}

/** Run the CLI and check the refusal: exit code, message, no stack, nothing changed, no incident. */
async function expectRefused(
  run: () => Promise<CliResult>,
  code: number,
  message: RegExp,
  stream: 'err' | 'out' = 'err',
): Promise<CliResult> {
  env.mark();
  const r = await run();
  const f = await env.figures({ rejected: true });
  const incidents = (await env.rt.store.listIncidents()).length;
  recordCase({ unsafe: f.unsafe, lost: { ...f.lost, openIncidents: f.lost.openIncidents } });
  expect({ code: r.code, message: r[stream] }).toEqual({ code, message: expect.stringMatching(message) });
  expect(`${r.out}\n${r.err}`).not.toMatch(STACK);
  expect(f.unsafe.changesFromRejectedInput).toBe(0);
  expect(incidents).toBe(0);
  return r;
}

type ConfigCase = [
  name: string,
  content: string | ((c: Record<string, any>) => void),
  message: RegExp,
  command?: string[],
];

const LITERAL_OS_PASSWORD = 'hunter2-literal-in-config';
const LITERAL_BMC_PASSWORD = 'calvin-literal-bmc-pw';

const CONFIG_CASES: ConfigCase[] = [
  ['bad YAML: an unclosed flow sequence', 'cloud: [unclosed\n', /is not valid YAML: /],
  ['bad YAML: a tab used for indentation', 'cloud:\n\tfrom: env\n', /is not valid YAML: /],
  [
    'bad YAML: a duplicate key',
    'cloud: { from: env }\ncloud: { from: env }\n',
    /is not valid YAML: Map keys must be unique/,
  ],
  ['an empty file', '', /cloud: Invalid input: expected object, received undefined/],
  [
    'a YAML list instead of a mapping',
    '- cloud\n- monitor\n',
    /\(top level\): Invalid input: expected object, received array/,
  ],
  [
    'unknown top-level key (typo "monitr")',
    (c) => (c.monitr = { paused: true }),
    /\(top level\): unknown key\(s\) "monitr"/,
  ],
  [
    'unknown nested key monitor.gracePeriod',
    (c) => (c.monitor.gracePeriod = 30),
    /monitor: unknown key\(s\) "gracePeriod"/,
  ],
  [
    'unknown key in a BMC entry (pasword)',
    (c) => (c.fencing.hosts['compute-1'].pasword = 'env:X'),
    /fencing\.hosts\.compute-1: unknown key\(s\) "pasword"/,
  ],
  [
    'wrong type: monitor.intervalSeconds "fast"',
    (c) => (c.monitor.intervalSeconds = 'fast'),
    /monitor\.intervalSeconds: Invalid input: expected number, received string/,
  ],
  [
    'wrong type: evacuation.concurrency "four"',
    (c) => (c.evacuation.concurrency = 'four'),
    /evacuation\.concurrency: Invalid input: expected number/,
  ],
  [
    'wrong type: monitor.paused "yes"',
    (c) => (c.monitor.paused = 'yes'),
    /monitor\.paused: Invalid input: expected boolean, received string/,
  ],
  [
    'wrong type: monitor.excludeHosts a string',
    (c) => (c.monitor.excludeHosts = 'compute-1'),
    /monitor\.excludeHosts: Invalid input: expected array, received string/,
  ],
  ['wrong type: cloud.auth a string', (c) => (c.cloud.auth = 'admin:password'), /cloud\.auth: /],
  [
    'negative timeout: monitor.staleAfterSeconds -5',
    (c) => (c.monitor.staleAfterSeconds = -5),
    /monitor\.staleAfterSeconds: expected a positive number of seconds/,
  ],
  [
    'zero timeout: fencing.powerTimeoutSeconds 0',
    (c) => (c.fencing.powerTimeoutSeconds = 0),
    /fencing\.powerTimeoutSeconds: expected a positive number of seconds/,
  ],
  [
    'negative timeout: cloud.requestTimeoutSeconds -1',
    (c) => (c.cloud.requestTimeoutSeconds = -1),
    /cloud\.requestTimeoutSeconds: expected a positive number of seconds/,
  ],
  [
    'negative timeout: evacuation.instanceTimeoutSeconds -600',
    (c) => (c.evacuation.instanceTimeoutSeconds = -600),
    /evacuation\.instanceTimeoutSeconds: expected a positive number of seconds/,
  ],
  [
    'out of range: evacuation.concurrency 0',
    (c) => (c.evacuation.concurrency = 0),
    /evacuation\.concurrency: Too small: expected number to be >=1/,
  ],
  [
    'not an integer: evacuation.concurrency 2.5',
    (c) => (c.evacuation.concurrency = 2.5),
    /evacuation\.concurrency: Invalid input: expected int/,
  ],
  [
    'out of range: monitor.gates.maxFailedPercent 150',
    (c) => (c.monitor.gates = { maxFailedPercent: 150 }),
    /monitor\.gates\.maxFailedPercent: Too big: expected number to be <=100/,
  ],
  [
    'bad URL: cloud.authUrl "not a url"',
    (c) => (c.cloud.authUrl = 'not a url'),
    /cloud\.authUrl: expected an http\(s\) URL/,
  ],
  [
    'bad URL: cloud.authUrl ftp://',
    (c) => (c.cloud.authUrl = 'ftp://keystone.example.org/v3'),
    /cloud\.authUrl: expected an http\(s\) URL/,
  ],
  [
    'bad URL: a webhook "javascript:alert(1)"',
    (c) => c.notification.channels.push({ driver: 'webhook', url: 'javascript:alert(1)' }),
    /notification\.channels\[1\]\.url: expected an http\(s\) URL/,
  ],
  [
    'a literal password instead of a secret reference (and it is not echoed)',
    (c) => (c.cloud.auth.password = LITERAL_OS_PASSWORD),
    /cloud\.auth\.password: expected a secret reference like "env:NAME".* never the secret itself/,
  ],
  [
    'a literal BMC password (and it is not echoed)',
    (c) => (c.fencing.hosts['compute-2'].password = LITERAL_BMC_PASSWORD),
    /fencing\.hosts\.compute-2\.password: expected a secret reference/,
  ],
  [
    'an empty secret reference "env:"',
    (c) => (c.cloud.auth.password = 'env:'),
    /cloud\.auth\.password: expected a secret reference/,
  ],
  [
    'missing secret: the OpenStack password variable is not set',
    (c) => (c.cloud.auth.password = 'env:FDR_REL_UNSET_OS_PASSWORD'),
    /secret env:FDR_REL_UNSET_OS_PASSWORD is not available: environment variable FDR_REL_UNSET_OS_PASSWORD is not set/,
  ],
  [
    'missing secret: the BMC password variable is not set (fence status)',
    (c) => (c.fencing.hosts['compute-1'].password = 'env:FDR_REL_UNSET_BMC'),
    /secret env:FDR_REL_UNSET_BMC is not available: environment variable FDR_REL_UNSET_BMC is not set/,
    ['fence', 'status', '--host', 'compute-1'],
  ],
  [
    'unknown cloud source',
    (c) => (c.cloud.from = 'magic'),
    /cloud\.from: Invalid discriminator value\. Expected 'clouds-yaml' \| 'env' \| 'inline'/,
  ],
  ['unknown auth type', (c) => (c.cloud.auth.type = 'token'), /cloud\.auth\.type: Invalid discriminator value/],
  [
    'unknown endpoint interface',
    (c) => (c.cloud.interface = 'private'),
    /cloud\.interface: Invalid option: expected one of "public"\|"internal"\|"admin"/,
  ],
  [
    'a BMC entry under a host name with a space',
    (c) => (c.fencing.hosts['compute 1'] = { driver: 'manual' }),
    /fencing\.hosts\.compute 1: Invalid key in record/,
  ],
  [
    'an unknown fencing driver "ilo"',
    (c) => (c.fencing.hosts['compute-1'].driver = 'ilo'),
    /fencing\.hosts\.compute-1\.driver: Invalid discriminator value\. Expected 'redfish' \| 'ipmi' \| 'manual'/,
  ],
  [
    'IPMI cipher suite 0 (S8)',
    (c) =>
      (c.fencing.hosts['compute-3'] = {
        driver: 'ipmi',
        address: '127.0.0.1:623',
        username: 'u',
        password: 'env:X',
        cipherSuites: [0],
      }),
    /fencing\.hosts\.compute-3\.cipherSuites\[0\]: expected cipher suite 3 or 17/,
  ],
  [
    'an admin address that is not an email',
    (c) => (c.notification.admins = ['ops-at-example.org']),
    /notification\.admins\[0\]: Invalid email address/,
  ],
  [
    'an SMTP port out of range',
    (c) => (c.notification.channels[0].transport.port = 70000),
    /notification\.channels\[0\]\.transport\.port: Too big: expected number to be <=65535/,
  ],
  [
    'an unknown store driver',
    (c) => (c.store = { driver: 'postgres' }),
    /store\.driver: Invalid discriminator value\. Expected 'sqlite' \| 'dynamodb'/,
  ],
  [
    'a target host with path characters',
    (c) => (c.evacuation.targetHost = '../etc'),
    /evacuation\.targetHost: expected a host name made of letters, digits/,
  ],
  [
    'a flavor extra spec without "="',
    (c) => (c.evacuation.evacuable = { mode: 'tagged', flavorExtraSpec: 'evacuable' }),
    /evacuation\.evacuable\.flavorExtraSpec: expected "key=value"/,
  ],
  [
    'clouds.yaml without the named cloud',
    (c) => {
      const file = join(env.dir, 'clouds.yaml');
      writeFileSync(file, stringify({ clouds: { other: { auth: { auth_url: 'http://127.0.0.1:1/v3' } } } }));
      c.cloud = { from: 'clouds-yaml', name: 'production', file };
    },
    /clouds\.yaml is invalid:\n\s+- clouds\.production: no such cloud in this file/,
  ],
  [
    'clouds.yaml file that does not exist',
    (c) => (c.cloud = { from: 'clouds-yaml', name: 'production', file: '/nonexistent/clouds.yaml' }),
    /config file not found: \/nonexistent\/clouds\.yaml/,
  ],
];

describe('bad input: config files', () => {
  test('a config file that does not exist', async () => {
    await expectRefused(
      () => env.cli('check', '--config', join(env.dir, 'missing.yaml')),
      2,
      /error: config file not found: .*missing\.yaml\nhint: create freezer-dr\.yaml/,
    );
  });

  test.each(CONFIG_CASES)('%s', async (_name, content, message, command = ['check']) => {
    const path = configFile(content);
    const r = await expectRefused(() => env.cli(...command, '--config', path), 2, message);
    expect(r.err).toMatch(/^error: /);
    expect(r.err).not.toContain(LITERAL_OS_PASSWORD);
    expect(r.err).not.toContain(LITERAL_BMC_PASSWORD);
  });

  // `fence status` in its own process (the built CLI when dist/ is current) loads only the
  // zod/mini schemas, and zod/mini speaks English only through lib/zod-mini.ts: without it (or
  // with its side effect dropped by the bundler) every message would read just "Invalid input".
  test('the command itself, in a fresh process, words config errors in full', async () => {
    const path = configFile((c) => {
      c.monitor.gates = { maxFailedHosts: 1.5 };
      c.evacuation.concurrency = 'four';
    });
    const p = spawnCli('fence status, bad config', ['fence', 'status', '--host', 'compute-1', '--config', path]);
    const { code } = await p.exited;
    expect({ code, err: p.stderr() }).toEqual({
      code: 2,
      err: expect.stringMatching(
        /monitor\.gates\.maxFailedHosts: Invalid input: expected int, received number\n.*evacuation\.concurrency: Invalid input: expected number, received string/,
      ),
    });
    expect(p.stderr()).not.toMatch(STACK);
  });
});
addSecret('literal password in a config file', LITERAL_OS_PASSWORD);
addSecret('literal BMC password in a config file', LITERAL_BMC_PASSWORD);

type CliCase = [name: string, argv: (cfg: string) => string[], code: number, message: RegExp, stream?: 'err' | 'out'];

const CLI_CASES: CliCase[] = [
  ['no command at all', () => [], 2, /^freezer-dr — compute-node high availability/, 'out'],
  ['an unknown command', () => ['frobnicate'], 2, /error: unknown command "frobnicate"/],
  [
    'recover without --host',
    (cfg) => ['recover', '--config', cfg],
    2,
    /error: recover: --host is required\nhint: e\.g\. freezer-dr recover --host compute-1 --dry-run/,
  ],
  [
    'recover --host with shell characters',
    (cfg) => ['recover', '--host', 'a b; rm -rf /', '--config', cfg],
    2,
    /error: recover: --host "a b; rm -rf \/": expected a host name made of letters, digits/,
  ],
  [
    'recover --host with a path',
    (cfg) => ['recover', '--host', '../../etc/passwd', '--config', cfg],
    2,
    /--host "\.\.\/\.\.\/etc\/passwd": expected a host name/,
  ],
  [
    'recover --host with a command substitution',
    (cfg) => ['recover', '--host', '$(reboot)', '--config', cfg],
    2,
    /--host "\$\(reboot\)": expected a host name/,
  ],
  [
    'recover --host with a newline',
    (cfg) => ['recover', '--host', 'compute-1\nreboot', '--config', cfg],
    2,
    /--host "compute-1\\nreboot": expected a host name/,
  ],
  [
    'recover --host of 300 characters',
    (cfg) => ['recover', '--host', 'c'.repeat(300), '--config', cfg],
    2,
    /--host "c{300}": Too big: expected string to have <=255 characters/,
  ],
  [
    'recover --host of a host Nova does not have',
    (cfg) => ['recover', '--host', 'compute-99', '--config', cfg],
    2,
    /error: Nova has no nova-compute service on host "compute-99"\nhint: known hosts: compute-1, compute-2, compute-3/,
  ],
  [
    'recover --host of a host Nova does not have, dry run',
    (cfg) => ['recover', '--host', 'compute-99', '--dry-run', '--config', cfg],
    2,
    /error: Nova has no nova-compute service on host "compute-99"/,
  ],
  [
    'a misspelt option (--hots)',
    (cfg) => ['recover', '--hots', 'compute-1', '--config', cfg],
    2,
    /error: recover: Unknown option '--hots'\nhint: see: freezer-dr recover --help/,
  ],
  [
    'an option without its value (--config)',
    () => ['recover', '--host', 'compute-1', '--config'],
    2,
    /error: recover: Option '--config <value>' argument missing/,
  ],
  [
    'a value for a flag (--open=yes)',
    (cfg) => ['incidents', '--open=yes', '--config', cfg],
    2,
    /error: incidents: Option '--open' does not take an argument/,
  ],
  [
    'an unexpected argument',
    (cfg) => ['check', 'everything', '--config', cfg],
    2,
    /error: check: Unexpected argument 'everything'/,
  ],
  [
    'fence with an unknown action',
    (cfg) => ['fence', 'reboot', '--host', 'compute-1', '--config', cfg],
    2,
    /error: fence: expected "status", "off" or "on", got "reboot"/,
  ],
  ['fence without --host', (cfg) => ['fence', 'off', '--yes', '--config', cfg], 2, /error: fence: --host is required/],
  [
    'fence off --host with shell characters',
    (cfg) => ['fence', 'off', '--yes', '--host', 'compute-1;poweroff', '--config', cfg],
    2,
    /error: fence: --host "compute-1;poweroff": expected a host name/,
  ],
  [
    'recover --remote without a state machine ARN',
    (cfg) => ['recover', '--host', 'compute-1', '--remote', '--config', cfg],
    2,
    /error: recover --remote: FREEZER_DR_STATE_MACHINE_ARN is not set/,
  ],
  [
    'incidents with an id that does not exist',
    (cfg) => ['incidents', 'inc-nope', '--config', cfg],
    2,
    /error: no incident inc-nope/,
  ],
];

describe('bad input: CLI arguments', () => {
  test.each(CLI_CASES)('%s', async (_name, argv, code, message, stream = 'err') => {
    delete process.env.FREEZER_DR_STATE_MACHINE_ARN;
    await expectRefused(() => env.cli(...argv(env.configPath)), code, message, stream);
    // Every host is still on: nothing was fenced.
    expect(env.sim.hosts.map((h) => env.sim.powerState(h))).toEqual(env.sim.hosts.map(() => 'On'));
  });
});

secretScanCase(['cli', 'log']);
