/**
 * Bad input, table-driven: state machine input (the real definition, in-process) and malformed
 * API answers (a stand-in Keystone/Nova). Every case: a clear error naming the problem, a
 * failed execution or exit code ≠ 0, no stack trace, and nothing half-done — no PUT/POST
 * reached the cloud or a BMC, no incident was opened.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Incident } from '../../lib/incidents/schemas.js';
import { addSecretSource, collect } from './support/corpus.js';
import { STACK, startRelEnv, type RelEnv } from './support/env.js';
import {
  html,
  json,
  service,
  startFakeCloud,
  tokenBody,
  type FakeCloud,
  type FakeReply,
} from './support/fake-cloud.js';
import { recordCase, recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('bad-input', 'Bad input: execution input and API answers');

let env: RelEnv;
let fake: FakeCloud;
let fakeConfig: string;
const CLOSED = 'inc-closed-compute-2';

beforeAll(async () => {
  recordFile();
  delete process.env.FREEZER_DR_DEBUG;
  env = await startRelEnv({ hosts: ['compute-1', 'compute-2', 'compute-3'] });
  const now = new Date().toISOString();
  const closed: Incident = {
    id: CLOSED,
    host: 'compute-2',
    status: 'resolved',
    reason: 'earlier',
    requestedBy: 'test',
    detectedAt: now,
    createdAt: now,
    updatedAt: now,
    closedAt: now,
    dryRun: false,
    fence: null,
    isolation: null,
    plan: null,
    error: null,
    notifications: [],
  };
  await env.rt.store.createIncident(closed);
  fake = await startFakeCloud();
  addSecretSource('Keystone token (stand-in)', () => fake.tokens);
  const raw = structuredClone(env.raw);
  raw.cloud.authUrl = fake.authUrl;
  delete raw.cloud.regionName;
  raw.cloud.requestTimeoutSeconds = 2;
  fakeConfig = join(env.dir, 'fake-cloud.yaml');
  writeFileSync(fakeConfig, stringify(raw));
});
afterAll(async () => {
  await fake.stop();
  await env.stop();
});

/** Nothing changed in the cloud, no new incident, the closed one untouched. */
async function nothingHalfDone(): Promise<void> {
  const f = await env.figures({ rejected: true });
  const incidents = await env.rt.store.listIncidents();
  recordCase({ unsafe: f.unsafe, lost: f.lost });
  expect(f.unsafe.changesFromRejectedInput).toBe(0);
  expect(f.lost.openIncidents).toBe(0);
  expect(incidents.map((i) => [i.id, i.status])).toEqual([[CLOSED, 'resolved']]);
}

const valid = (n: number) => ({
  incidentId: `inc-bad-${n}`,
  host: 'compute-1',
  reason: 'reliability: bad input',
  detectedAt: new Date().toISOString(),
  requestedBy: 'test',
});

type InputCase = [name: string, input: (base: Record<string, unknown>) => unknown, error: string, cause: RegExp];

const INPUT_CASES: InputCase[] = [
  [
    'a host Nova does not have',
    (b) => ({ ...b, host: 'compute-99' }),
    'UnknownHostError',
    /Nova has no nova-compute service on host "compute-99"/,
  ],
  [
    'a host name with shell characters',
    (b) => ({ ...b, host: 'compute-1;reboot' }),
    'InvalidExecutionInputError',
    /host: expected a host name made of letters, digits/,
  ],
  [
    'a host name that is a path',
    (b) => ({ ...b, host: '../../etc/passwd' }),
    'InvalidExecutionInputError',
    /host: expected a host name/,
  ],
  [
    'a host name with a command substitution',
    (b) => ({ ...b, host: '$(rm -rf /)' }),
    'InvalidExecutionInputError',
    /host: expected a host name/,
  ],
  [
    'a host name with a newline',
    (b) => ({ ...b, host: 'compute-1\nforce' }),
    'InvalidExecutionInputError',
    /host: expected a host name/,
  ],
  [
    'a host name with a leading space',
    (b) => ({ ...b, host: ' compute-1' }),
    'InvalidExecutionInputError',
    /host: expected a host name/,
  ],
  [
    'a host name with a look-alike Unicode hyphen',
    (b) => ({ ...b, host: 'compute\u20101' }),
    'InvalidExecutionInputError',
    /host: expected a host name/,
  ],
  ['an empty host name', (b) => ({ ...b, host: '' }), 'InvalidExecutionInputError', /host: Too small/],
  [
    'a host of the wrong type (number)',
    (b) => ({ ...b, host: 42 }),
    'InvalidExecutionInputError',
    /host: Invalid input: expected string, received number/,
  ],
  [
    'an incident id with path characters',
    (b) => ({ ...b, incidentId: 'inc/../x' }),
    'InvalidExecutionInputError',
    /incidentId: expected 1–80 characters of letters, digits, "-" and "_"/,
  ],
  [
    'an incident id of 81 characters',
    (b) => ({ ...b, incidentId: 'i'.repeat(81) }),
    'InvalidExecutionInputError',
    /incidentId: expected 1–80 characters/,
  ],
  [
    'no incident id',
    (b) => ({ ...b, incidentId: undefined }),
    'InvalidExecutionInputError',
    /incidentId: Invalid input: expected string, received undefined/,
  ],
  [
    'no requestedBy',
    (b) => ({ ...b, requestedBy: undefined }),
    'InvalidExecutionInputError',
    /requestedBy: Invalid input: expected string, received undefined/,
  ],
  [
    'an oversized input (a 20 KB reason)',
    (b) => ({ ...b, reason: 'x'.repeat(20_000) }),
    'InvalidExecutionInputError',
    /input is \d+ bytes; the limit is 16384/,
  ],
  [
    'an oversized input (10 000 extra keys)',
    (b) => ({ ...b, ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) }),
    'InvalidExecutionInputError',
    /input is \d+ bytes; the limit is 16384/,
  ],
  [
    'dryRun of the wrong type ("yes")',
    (b) => ({ ...b, dryRun: 'yes' }),
    'InvalidExecutionInputError',
    /dryRun: Invalid input: expected boolean, received string/,
  ],
  [
    'an unknown fence mode ("none")',
    (b) => ({ ...b, fence: 'none' }),
    'InvalidExecutionInputError',
    /fence: Invalid option: expected one of "bmc"\|"confirmed-by-operator"/,
  ],
  [
    'detectedAt that is not a date-time',
    (b) => ({ ...b, detectedAt: 'yesterday' }),
    'InvalidExecutionInputError',
    /detectedAt: expected an ISO 8601 date-time/,
  ],
  [
    'an unknown key (force: true)',
    (b) => ({ ...b, force: true }),
    'InvalidExecutionInputError',
    /\(top level\): unknown key\(s\) "force"/,
  ],
  [
    'input that is not an object (a string)',
    () => 'compute-1',
    'InvalidExecutionInputError',
    /\(top level\): Invalid input: expected object, received string/,
  ],
  [
    'input that is an array',
    () => [{ host: 'compute-1' }],
    'InvalidExecutionInputError',
    /\(top level\): Invalid input: expected object, received array/,
  ],
  [
    "the id of another host's incident",
    (b) => ({ ...b, incidentId: CLOSED }),
    'InvalidExecutionInputError',
    /incidentId inc-closed-compute-2 belongs to host compute-2, not compute-1/,
  ],
  [
    'the id of an incident already closed',
    (b) => ({ ...b, incidentId: CLOSED, host: 'compute-2' }),
    'IncidentClosedError',
    /incident inc-closed-compute-2 is already closed \(resolved\)/,
  ],
];

describe('bad input: state machine input (the real definition, first state)', () => {
  test.each(INPUT_CASES.map((c, i) => [...c, i] as const))('%s', async (_name, make, error, cause, i) => {
    env.mark();
    const input = make(valid(i));
    const r = await env.execute(`bad-input-${i}`, input);
    expect(r.status).toBe('FAILED');
    expect(r.error?.Error).toBe(error);
    expect(r.error?.Cause).toMatch(cause);
    expect(r.error?.Cause).not.toMatch(STACK);
    expect(env.sim.hosts.map((h) => env.sim.powerState(h))).toEqual(env.sim.hosts.map(() => 'On'));
    await nothingHalfDone();
  });
});

type ApiCase = [name: string, setup: (f: FakeCloud) => void, error: string, message: RegExp];

const services = (f: FakeCloud, r: FakeReply) => (f.services = r);
const keystone = (f: FakeCloud, r: FakeReply) => (f.keystone = r);
const token = (
  f: FakeCloud,
  over: Record<string, unknown>,
  headers: Record<string, string> = { 'X-Subject-Token': 'fake-token-bad-answer' },
) => keystone(f, json(201, tokenBody(f.origin, over), headers));
const OS = 'GET http://127\\.0\\.0\\.1:\\d+/compute/v2\\.1/os-services';
const AUTH = 'POST http://127\\.0\\.0\\.1:\\d+/v3/auth/tokens';

const API_CASES: ApiCase[] = [
  [
    'Nova: the services field is missing',
    (f) => services(f, json(200, { service: [service()] })),
    'UnexpectedResponseError',
    new RegExp(`${OS} answered JSON we cannot use: services: Invalid input: expected array, received undefined`),
  ],
  [
    'Nova: services is an object, not a list',
    (f) => services(f, json(200, { services: { 'compute-1': service() } })),
    'UnexpectedResponseError',
    /answered JSON we cannot use: services: Invalid input: expected array, received object/,
  ],
  [
    'Nova: a service without its host',
    (f) => services(f, json(200, { services: [service({ host: undefined })] })),
    'UnexpectedResponseError',
    /answered JSON we cannot use: services\.0\.host: Invalid input: expected string, received undefined/,
  ],
  [
    'Nova: state "sideways"',
    (f) => services(f, json(200, { services: [service({ state: 'sideways' })] })),
    'UnexpectedResponseError',
    /answered JSON we cannot use: services\.0\.state: Invalid option: expected one of "up"\|"down"/,
  ],
  [
    'Nova: forced_down as a string',
    (f) => services(f, json(200, { services: [service({ forced_down: 'no' })] })),
    'UnexpectedResponseError',
    /services\.0\.forced_down: Invalid input: expected boolean, received string/,
  ],
  [
    'Nova: updated_at as a number',
    (f) => services(f, json(200, { services: [service({ updated_at: 1764042198 })] })),
    'UnexpectedResponseError',
    /services\.0\.updated_at: Invalid input: expected string, received number/,
  ],
  [
    'Nova: the body is JSON null',
    (f) => services(f, json(200, null)),
    'UnexpectedResponseError',
    /answered JSON we cannot use: \(body\): Invalid input: expected object, received null/,
  ],
  [
    'Nova: the body is a list',
    (f) => services(f, json(200, [service()])),
    'UnexpectedResponseError',
    /answered JSON we cannot use: \(body\): Invalid input: expected object, received array/,
  ],
  [
    'Nova: an HTML page with status 200 (a captive portal)',
    (f) => services(f, html(200, 'Please log in')),
    'UnexpectedResponseError',
    new RegExp(`${OS} answered an HTML page where JSON was expected`),
  ],
  [
    'Nova: truncated JSON',
    (f) =>
      services(f, {
        status: 200,
        body: '{"services": [{"id": "svc-1", "binary": "nova-comp',
        headers: { 'Content-Type': 'application/json' },
      }),
    'UnexpectedResponseError',
    /answered invalid or truncated JSON where JSON was expected/,
  ],
  [
    'Nova: an empty body with status 200',
    (f) => services(f, { status: 200, body: '', headers: { 'Content-Type': 'application/json' } }),
    'UnexpectedResponseError',
    /answered an empty body where JSON was expected/,
  ],
  [
    "Nova: a proxy's HTML error page (502)",
    (f) => services(f, html(502, '502 Bad Gateway')),
    'ApiServerError',
    new RegExp(`${OS} failed with status 502 \\(an HTML error page\\)`),
  ],
  [
    'Nova: computeFault (500)',
    (f) =>
      services(f, json(500, { computeFault: { code: 500, message: 'Unexpected API Error. Please report this.' } })),
    'ApiServerError',
    /failed with status 500: Unexpected API Error\. Please report this\./,
  ],
  [
    'Keystone: an HTML page instead of the token',
    (f) => keystone(f, html(200, 'Maintenance')),
    'UnexpectedResponseError',
    new RegExp(`${AUTH} answered an HTML page where JSON was expected`),
  ],
  [
    'Keystone: truncated JSON',
    (f) =>
      keystone(f, {
        status: 201,
        body: '{"token": {"expires_at": "20',
        headers: { 'Content-Type': 'application/json', 'X-Subject-Token': 'fake-token-truncated' },
      }),
    'UnexpectedResponseError',
    new RegExp(`${AUTH} answered invalid or truncated JSON`),
  ],
  [
    'Keystone: no X-Subject-Token header',
    (f) => token(f, {}, {}),
    'UnexpectedResponseError',
    /POST \/v3\/auth\/tokens answered without an X-Subject-Token header/,
  ],
  [
    'Keystone: an unreadable expires_at',
    (f) => token(f, { expires_at: 'soon' }),
    'UnexpectedResponseError',
    /POST \/v3\/auth\/tokens answered an unreadable expires_at/,
  ],
  [
    'Keystone: a token without its user',
    (f) => token(f, { user: undefined }),
    'UnexpectedResponseError',
    /answered JSON we cannot use: token\.user: Invalid input: expected object, received undefined/,
  ],
  [
    'Keystone: a catalog without compute',
    (f) => token(f, { catalog: [{ type: 'identity', endpoints: [{ interface: 'public', url: f.authUrl }] }] }),
    'EndpointNotFoundError',
    /no public endpoint for service type "compute" in the Keystone catalog/,
  ],
  [
    'Keystone: a catalog entry with the wrong types',
    (f) => token(f, { catalog: [{ type: 'compute', endpoints: 'http://nova' }] }),
    'UnexpectedResponseError',
    /token\.catalog\.0\.endpoints: Invalid input: expected array, received string/,
  ],
  [
    'Keystone: 401 (credentials refused)',
    (f) =>
      keystone(
        f,
        json(401, {
          error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
        }),
      ),
    'AuthenticationError',
    new RegExp(`${AUTH} failed with status 401: The request you have made requires authentication\\.`),
  ],
];

describe('bad input: malformed API answers (a stand-in Keystone/Nova)', () => {
  test.each(API_CASES)('%s', async (_name, setup, error, message) => {
    fake.reset();
    setup(fake);
    env.mark();
    // The monitor's view: an observer gate naming the problem, exit 3.
    const check = await env.cli('check', '--config', fakeConfig);
    expect(check.code).toBe(3);
    expect(check.out).toMatch(
      new RegExp(`GATE observer: cannot observe the cloud \\(${error}: .*${message.source}.*\\); fencing nothing`),
    );
    // A manual recovery: refused before anything is opened, exit 3, the same problem named.
    const recover = await env.cli('recover', '--host', 'compute-1', '--config', fakeConfig);
    expect(recover.code).toBe(3);
    expect(recover.err).toMatch(new RegExp(`^error: .*${message.source}`));
    if (error === 'AuthenticationError') expect(recover.err).toMatch(/hint: check the cloud credentials/);
    for (const r of [check, recover]) expect(`${r.out}\n${r.err}`).not.toMatch(STACK);
    collect('stand-in cloud requests', fake.requests);
    // Only token requests and reads reached the stand-in cloud.
    expect(fake.requests.filter((q) => q.method !== 'GET' && q.path !== '/v3/auth/tokens')).toEqual([]);
    await nothingHalfDone();
  });
});

secretScanCase(['cli', 'execution input', 'execution output', 'log']);
