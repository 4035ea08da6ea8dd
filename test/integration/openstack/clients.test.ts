import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiServerError,
  ApiUnreachableError,
  AuthenticationError,
  ComputeServiceInUseError,
  EndpointNotFoundError,
  UnexpectedResponseError,
  assertComputeMicroversions,
  createSession,
  evacuateServer,
  forceDownService,
  getUser,
  listComputeServices,
  listEvacuationMigrations,
  listProjectMembers,
  listServersOnHost,
  MICROVERSION,
  type OpenStackSession,
} from '../../../lib/openstack/index.js';
import { ResolvedCloudSchema, type ResolvedCloud } from '../../../lib/config/index.js';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';

let sim: SimCloud;
let cloud: ResolvedCloud;
let session: OpenStackSession;

beforeAll(async () => {
  sim = await startSimCloud({
    hosts: ['compute-1', 'compute-10', 'compute-2'],
    reportIntervalMs: 100,
    serviceDownTimeMs: 800,
    rebuildMs: 100,
    tokenTtlMs: 2000,
  });
  cloud = ResolvedCloudSchema.parse({
    authUrl: sim.authUrl,
    auth: {
      type: 'password',
      username: sim.admin.username,
      password: sim.admin.password,
      projectName: sim.admin.projectName,
    },
    requestTimeoutMs: 1000,
  });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  session = createSession(cloud);
  sim.faults.nova.failNext = 0;
  sim.faults.keystone.down = false;
  sim.requestLog.length = 0;
});

const tokenRequests = () =>
  sim.requestLog.filter((r) => r.service === 'keystone' && r.method === 'POST' && r.path.startsWith('/v3/auth/tokens'))
    .length;

describe('Keystone session', () => {
  test('one token for many calls; the catalog gives the compute endpoint', async () => {
    await listComputeServices(session);
    await listComputeServices(session);
    expect(tokenRequests()).toBe(1);
    expect(await session.endpoint('compute')).toBe(sim.endpoints.compute.replace(/\/+$/, ''));
  });

  test('refreshes before expiry (short-lived tokens refresh at half-life)', async () => {
    await listComputeServices(session);
    await new Promise((r) => setTimeout(r, 1100));
    await listComputeServices(session);
    expect(tokenRequests()).toBe(2);
  });

  test('re-authenticates once on a 401, then fails with AuthenticationError', async () => {
    const bad = createSession({
      ...cloud,
      auth: { ...cloud.auth, password: 'wrong-password' } as ResolvedCloud['auth'],
    });
    await expect(listComputeServices(bad)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(listComputeServices(bad)).rejects.not.toThrow(/wrong-password/);
  });

  test('application credentials work too', async () => {
    const app = createSession(
      ResolvedCloudSchema.parse({
        authUrl: sim.authUrl,
        auth: {
          type: 'application-credential',
          applicationCredentialId: sim.admin.applicationCredentialId,
          applicationCredentialSecret: sim.admin.applicationCredentialSecret,
        },
      }),
    );
    expect((await listComputeServices(app)).services.length).toBe(3);
  });

  test('an endpoint missing from the catalog (wrong region) is a clear error', async () => {
    const wrong = createSession({ ...cloud, regionName: 'Atlantis' });
    await expect(listComputeServices(wrong)).rejects.toBeInstanceOf(EndpointNotFoundError);
  });

  test('Keystone down is ApiServerError / unreachable, never a crash', async () => {
    sim.faults.keystone.down = true;
    await expect(listComputeServices(session)).rejects.toThrow(/auth\/tokens/);
  });
});

describe('Nova', () => {
  test('services: UUID ids at 2.53, Date header from the server', async () => {
    const { services, serverDate } = await listComputeServices(session);
    expect(services.map((s) => s.host).sort()).toEqual(['compute-1', 'compute-10', 'compute-2']);
    expect(services[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(serverDate).toBeInstanceOf(Date);
    expect(sim.requestLog.find((r) => r.path.startsWith('/v2.1/os-services'))?.microversion).toBe(
      MICROVERSION.services,
    );
  });

  test('S3: servers on compute-1 never include compute-10', async () => {
    const on1 = await listServersOnHost(session, 'compute-1');
    expect(on1.length).toBeGreaterThan(0);
    expect(on1.every((s) => s.host === 'compute-1')).toBe(true);
  });

  test('the microversion minimum is checked', async () => {
    expect((await assertComputeMicroversions(session)).max).toBe('2.93');
  });

  test("evacuate while the source is up: Nova's 400 becomes ComputeServiceInUseError; after force-down it is accepted", async () => {
    const { services } = await listComputeServices(session);
    const svc = services.find((s) => s.host === 'compute-2')!;
    const server = (await listServersOnHost(session, 'compute-2')).find((s) => s.vmState === 'active')!;
    await expect(
      evacuateServer(session, server.id, { microversion: MICROVERSION.evacuateClassic }),
    ).rejects.toBeInstanceOf(ComputeServiceInUseError);
    sim.crashHost('compute-2');
    await forceDownService(session, svc.id);
    await evacuateServer(session, server.id, { microversion: MICROVERSION.evacuateClassic });
    const migrations = await listEvacuationMigrations(session, server.id);
    expect(migrations).toHaveLength(1);
    expect(migrations[0]!.sourceCompute).toBe('compute-2');
    // POST …/action is never retried by the HTTP layer (S5).
    expect(sim.requestLog.filter((r) => r.method === 'POST' && r.path.includes('/action'))).toHaveLength(2);
  });

  test('5xx on a GET is retried, then surfaces as ApiServerError', async () => {
    sim.faults.nova.failNext = 1;
    await expect(listComputeServices(session)).resolves.toBeTruthy();
    sim.faults.nova.failNext = 10;
    await expect(listComputeServices(session)).rejects.toBeInstanceOf(ApiServerError);
  });
});

describe('Identity', () => {
  test('project members come from effective role assignments; email is optional', async () => {
    const projectId = sim.snapshot().servers[0]!.projectId;
    const members = await listProjectMembers(session, projectId);
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) expect(m.roles.length).toBeGreaterThan(0);
    const users = await Promise.all(members.map((m) => getUser(session, m.userId)));
    expect(users.every((u) => u.email === null || u.email.includes('@'))).toBe(true);
  });
});

describe('answers we did not expect', () => {
  let junk: HttpServer;
  let base: string;
  let mode: 'html' | 'truncated' | 'wrong-types' | 'slow' = 'html';
  beforeAll(async () => {
    junk = createServer((req, res) => {
      if (req.url?.startsWith('/v3/auth/tokens')) {
        res.writeHead(201, { 'X-Subject-Token': 'tok-123456', 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            token: {
              expires_at: new Date(Date.now() + 3600_000).toISOString(),
              user: { id: 'u' },
              catalog: [
                { type: 'compute', endpoints: [{ interface: 'public', region_id: 'R', url: `${base}/compute` }] },
              ],
            },
          }),
        );
        return;
      }
      if (mode === 'slow') return void setTimeout(() => res.end('{}'), 3000).unref();
      if (mode === 'html')
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Proxy login</body></html>');
      else if (mode === 'truncated')
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"services": [{"id": "a",');
      else
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ services: [{ id: 1, host: 5 }] }));
    });
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(junk.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    junk.closeAllConnections();
    await new Promise((r) => junk.close(r));
  });
  const junkSession = () =>
    createSession(
      ResolvedCloudSchema.parse({
        authUrl: `${base}/v3`,
        auth: { type: 'application-credential', applicationCredentialId: 'a', applicationCredentialSecret: 'b' },
        requestTimeoutMs: 300,
      }),
    );

  test.each([
    ['html', /an HTML page where JSON was expected/],
    ['truncated', /invalid or truncated JSON/],
    ['wrong-types', /JSON we cannot use: services\.0\./],
  ] as const)('%s → UnexpectedResponseError naming the problem', async (m, message) => {
    mode = m;
    const err = await listComputeServices(junkSession()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect((err as Error).message).toMatch(message);
  });

  test('a slow API times out as ApiUnreachableError', async () => {
    mode = 'slow';
    await expect(listComputeServices(junkSession())).rejects.toBeInstanceOf(ApiUnreachableError);
  });
});
