import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, serverId, waitFor } from './helpers.js';

let sim: SimCloud;

beforeAll(async () => {
  // Power transitions long enough to read PoweringOff / PoweringOn reliably on a slow machine.
  sim = await startSimCloud({ ...FAST, redfish: { powerOffDelayMs: 300, powerOnDelayMs: 300 } });
});
afterAll(async () => {
  await sim.stop();
});

function basic(host: string, password?: string): Record<string, string> {
  const b = sim.bmc(host);
  return { Authorization: `Basic ${Buffer.from(`${b.username}:${password ?? b.password}`).toString('base64')}` };
}

async function powerState(host: string): Promise<string> {
  const b = sim.bmc(host);
  const res = await call(`${b.url}/redfish/v1/Systems/${b.systemId}`, { headers: basic(host) });
  expect(res.status).toBe(200);
  return res.body.PowerState;
}

function reset(host: string, type: string, headers = basic(host)) {
  const b = sim.bmc(host);
  return call(`${b.url}/redfish/v1/Systems/${b.systemId}/Actions/ComputerSystem.Reset`, {
    method: 'POST',
    headers,
    body: { ResetType: type },
  });
}

async function computeState(token: string, host: string): Promise<string> {
  const res = await nova(sim, token, `/os-services?binary=nova-compute&host=${host}`, { mv: '2.53' });
  return res.body.services[0].state;
}

describe('Redfish BMC', () => {
  test('service root is public; Systems needs credentials; the system has a Reset action', async () => {
    const b = sim.bmc('compute-1');
    const root = await call(`${b.url}/redfish/v1`);
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({
      Systems: { '@odata.id': '/redfish/v1/Systems' },
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
    });
    const anon = await call(`${b.url}/redfish/v1/Systems`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await call(`${b.url}/redfish/v1/Systems`, { headers: basic('compute-1', 'wrong') });
    expect(wrong.status).toBe(401);
    const systems = await call(`${b.url}/redfish/v1/Systems`, { headers: basic('compute-1') });
    expect(systems.body.Members).toEqual([{ '@odata.id': `/redfish/v1/Systems/${b.systemId}` }]);
    const system = await call(`${b.url}/redfish/v1/Systems/${b.systemId}`, { headers: basic('compute-1') });
    expect(system.body).toMatchObject({ Id: b.systemId, PowerState: 'On' });
    const action = system.body.Actions['#ComputerSystem.Reset'];
    expect(action.target).toBe(`/redfish/v1/Systems/${b.systemId}/Actions/ComputerSystem.Reset`);
    expect(action['ResetType@Redfish.AllowableValues']).toEqual(
      expect.arrayContaining(['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart']),
    );
    expect((await reset('compute-1', 'Explode')).status).toBe(400);
  });

  test('basic auth: ForceOff → 204, PoweringOff then Off, heartbeats stop; On → back up and cleaned up', async () => {
    const token = await adminToken(sim);
    const res = await reset('compute-2', 'ForceOff');
    expect(res.status).toBe(204);
    expect(await powerState('compute-2')).toBe('PoweringOff');
    await waitFor('Off', async () => (await powerState('compute-2')) === 'Off');
    expect(sim.powerState('compute-2')).toBe('Off');
    await waitFor('service down', async () => (await computeState(token, 'compute-2')) === 'down', 2000);

    // Evacuate one instance away while it is off: its migration is `done` until the host boots.
    const id = serverId(sim, 'shop-web-2');
    expect(
      (await nova(sim, token, `/servers/${id}/action`, { mv: '2.93', method: 'POST', body: { evacuate: {} } })).status,
    ).toBe(200);
    await waitFor('done', () => sim.snapshot().migrations.find((m) => m.instanceUuid === id)?.status === 'done');

    expect((await reset('compute-2', 'On')).status).toBe(204);
    expect(await powerState('compute-2')).toBe('PoweringOn');
    await waitFor('service up', async () => (await computeState(token, 'compute-2')) === 'up', 2000);
    expect(sim.snapshot().migrations.find((m) => m.instanceUuid === id)!.status).toBe('completed');
  });

  test('session auth: login 201 with X-Auth-Token and Location, use it, delete it', async () => {
    const b = sim.bmc('compute-3');
    const login = await call(`${b.url}/redfish/v1/SessionService/Sessions`, {
      method: 'POST',
      body: { UserName: b.username, Password: b.password },
    });
    expect(login.status).toBe(201);
    const token = login.headers.get('x-auth-token')!;
    const location = login.headers.get('location')!;
    expect(token).toBeTruthy();
    expect(location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/\w+$/);
    expect((await reset('compute-3', 'ForceOff', { 'X-Auth-Token': token })).status).toBe(204);
    await waitFor('Off', async () => (await powerState('compute-3')) === 'Off');
    expect((await reset('compute-3', 'On', { 'X-Auth-Token': token })).status).toBe(204);
    expect((await call(`${b.url}${location}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } })).status).toBe(
      204,
    );
    expect((await call(`${b.url}/redfish/v1/Systems`, { headers: { 'X-Auth-Token': token } })).status).toBe(401);
    const bad = await call(`${b.url}/redfish/v1/SessionService/Sessions`, {
      method: 'POST',
      body: { UserName: b.username, Password: 'nope' },
    });
    expect(bad.status).toBe(401);
  });

  test('faults: ignorePowerOff, alreadyOffStatus, badCredentials, unreachable', async () => {
    const f = sim.faults.bmc['compute-4']!;
    f.ignorePowerOff = true;
    expect((await reset('compute-4', 'ForceOff')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 350));
    expect(await powerState('compute-4')).toBe('On');
    f.ignorePowerOff = false;

    f.alreadyOffStatus = 409;
    await reset('compute-4', 'ForceOff');
    await waitFor('Off', async () => (await powerState('compute-4')) === 'Off');
    const again = await reset('compute-4', 'ForceOff');
    expect(again.status).toBe(409);
    expect(again.body.error['@Message.ExtendedInfo'][0].Message).toBe('Server is already powered OFF.');
    delete f.alreadyOffStatus;
    expect((await reset('compute-4', 'ForceOff')).status).toBe(204);

    f.badCredentials = true;
    expect((await reset('compute-4', 'On')).status).toBe(401);
    f.badCredentials = false;

    f.unreachable = true;
    await expect(fetch(`${sim.bmc('compute-4').url}/redfish/v1`)).rejects.toThrow();
    f.unreachable = false;
    expect((await call(`${sim.bmc('compute-4').url}/redfish/v1`)).status).toBe(200);
  });
});

describe('Redfish over HTTPS', () => {
  test('serves the given key pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
    try {
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
      } catch {
        console.warn('openssl not available: skipping the HTTPS check');
        return;
      }
      const cert = readFileSync(join(dir, 'cert.pem'));
      const tlsSim = await startSimCloud({
        ...FAST,
        hosts: 1,
        redfish: { tls: { key: readFileSync(join(dir, 'key.pem')), cert } },
      });
      try {
        const b = tlsSim.bmc('compute-1');
        expect(b.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          const req = request(
            `${b.url}/redfish/v1/Systems/${b.systemId}`,
            { ca: cert, auth: `${b.username}:${b.password}` },
            (res) => {
              let data = '';
              res.on('data', (c: Buffer) => (data += c.toString()));
              res.on('end', () => resolve(data));
            },
          );
          req.on('error', reject);
          req.end();
        });
        expect(JSON.parse(body).PowerState).toBe('On');
      } finally {
        await tlsSim.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
