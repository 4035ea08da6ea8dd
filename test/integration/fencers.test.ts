import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  BmcAuthError,
  BmcProtocolError,
  BmcTlsError,
  BmcUnreachableError,
  fenceOff,
  powerOn,
  type Fencer,
  type ResolvedRedfishBmc,
} from '../../lib/fencing/index.js';
import { createRedfishFencer } from '../../lib/fencing/redfish.js';
import { createIpmiFencer } from '../../lib/fencing/ipmi/index.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';
import { hasIpmiSim, startIpmiSim, stopAllIpmiSims } from '../support/ipmi-sim.js';

const TLS_DIR = fileURLToPath(new URL('./notify/fixtures/', import.meta.url));
const timing = { powerTimeoutMs: 5000, pollIntervalMs: 50 };
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers) await c();
  await stopAllIpmiSims();
});

const bmcOf = (over: Partial<ResolvedRedfishBmc>): ResolvedRedfishBmc => ({
  driver: 'redfish',
  host: 'compute-1',
  address: 'http://127.0.0.1:1',
  authMode: 'basic',
  insecure: false,
  requestTimeoutMs: 2000,
  ...over,
});

async function sim(opts: Parameters<typeof startSimCloud>[0] = {}): Promise<SimCloud> {
  const s = await startSimCloud({
    hosts: 2,
    reportIntervalMs: 200,
    redfish: { powerOffDelayMs: 100, powerOnDelayMs: 100 },
    ...opts,
  });
  closers.push(() => s.stop());
  return s;
}

/** The same scenario for every driver (as fence-agents' power-on-off test): status → off → status → on → status. */
async function contract(make: () => Fencer, observedOff: () => Promise<boolean>) {
  const status = async () => {
    const f = make();
    try {
      return await f.getPower();
    } finally {
      await f.close?.();
    }
  };
  expect(await status()).toBe('on');
  const off = await fenceOff(make(), timing);
  expect(off).toMatchObject({ fenced: true, alreadyOff: false });
  expect(await observedOff()).toBe(true);
  expect(await status()).toBe('off');
  expect(await fenceOff(make(), timing)).toMatchObject({ fenced: true, alreadyOff: true });
  await powerOn(make(), timing);
  expect(await status()).toBe('on');
}

describe('one fence contract, every driver', () => {
  test('redfish, basic auth, over plain HTTP (the simulator)', async () => {
    const s = await sim();
    const a = s.bmc('compute-1');
    await contract(
      () => createRedfishFencer(bmcOf({ address: a.url, username: a.username, password: a.password })),
      async () => s.powerState('compute-1') === 'Off',
    );
  });

  test('redfish, session auth, HTTPS with a private CA bundle (S7)', async () => {
    const s = await sim({
      redfish: {
        powerOffDelayMs: 100,
        tls: { key: readFileSync(`${TLS_DIR}smtp.key`), cert: readFileSync(`${TLS_DIR}smtp.pem`) },
      },
    });
    const a = s.bmc('compute-1');
    expect(a.url).toMatch(/^https:/);
    const make = () =>
      createRedfishFencer(
        bmcOf({
          address: a.url,
          username: a.username,
          password: a.password,
          authMode: 'session',
          caBundle: `${TLS_DIR}ca.pem`,
        }),
      );
    await contract(make, async () => s.powerState('compute-1') === 'Off');
    // Sessions are opened and closed again (no leaked BMC sessions).
    const sessions = s.requestLog.filter(
      (r) => r.service === 'redfish' && r.path.startsWith('/redfish/v1/SessionService/Sessions'),
    );
    expect(sessions.filter((r) => r.method === 'POST').length).toBe(
      sessions.filter((r) => r.method === 'DELETE').length,
    );
    // Without the CA the certificate is not trusted: no silent downgrade, and no pointless retry.
    await expect(
      createRedfishFencer(bmcOf({ address: a.url, username: a.username, password: a.password })).getPower(),
    ).rejects.toBeInstanceOf(BmcTlsError);
  });

  // Without ipmi_sim this is skipped locally and fails in CI (CI=true): a missing install step must show.
  (hasIpmiSim() || process.env.CI ? test : test.skip)('ipmi (Debian ipmi_sim, RMCP+)', async () => {
    if (!hasIpmiSim()) throw new Error('CI must install the Debian package openipmi (ipmi_sim) for this test');
    const b = await startIpmiSim();
    await contract(
      () =>
        createIpmiFencer({
          driver: 'ipmi',
          host: 'compute-1',
          address: b.address,
          username: b.username,
          password: b.password,
          privilege: 'administrator',
          requestTimeoutMs: 3000,
        }),
      async () => {
        await b.waitForPower('off', 2000);
        return !b.isPoweredOn();
      },
    );
  });
});

describe('redfish hardening', () => {
  test('wrong credentials: BmcAuthError naming the user and BMC, never the password', async () => {
    const s = await sim();
    const a = s.bmc('compute-1');
    const err = (await createRedfishFencer(
      bmcOf({ address: a.url, username: a.username, password: 'not-the-password' }),
    )
      .getPower()
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(err.message).toContain(a.username);
    expect(err.message).not.toContain('not-the-password');
  });

  test('unreachable BMC: BmcUnreachableError within the request timeout', async () => {
    const s = await sim();
    s.faults.bmc['compute-1']!.unreachable = true;
    const a = s.bmc('compute-1');
    const t0 = Date.now();
    await expect(
      createRedfishFencer(
        bmcOf({ address: a.url, username: a.username, password: a.password, requestTimeoutMs: 500 }),
      ).getPower(),
    ).rejects.toBeInstanceOf(BmcUnreachableError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  describe('vendor quirks (a small Redfish server of our own)', () => {
    let power = 'On';
    let resetStatus = 204;
    const members = ['/redfish/v1/Systems/1', '/redfish/v1/Systems/2'];
    const resets: string[] = [];
    let base = '';
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const json = (code: number, body: unknown) =>
        res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/redfish/v1/Systems') return json(200, { Members: members.map((m) => ({ '@odata.id': m })) });
      const sys = /^\/redfish\/v1\/Systems\/(\d)$/.exec(req.url ?? '');
      if (sys)
        return json(200, {
          Id: sys[1],
          PowerState: power,
          Actions: { '#ComputerSystem.Reset': { target: `${req.url}/Actions/ComputerSystem.Reset` } },
        });
      if (req.method === 'POST' && req.url?.endsWith('/Actions/ComputerSystem.Reset')) {
        resets.push(req.url);
        if (resetStatus === 409) return json(409, { error: { message: 'system already off' } });
        power = 'Off';
        return res.writeHead(resetStatus).end();
      }
      json(404, {});
    };
    test('several systems: refuse to guess without systemId; use the one named', async () => {
      const server = createServer(handler);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      closers.push(() => new Promise((r) => server.close(() => r())));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(
        createRedfishFencer(bmcOf({ address: base, username: 'u', password: 'p' })).getPower(),
      ).rejects.toThrow(BmcProtocolError);
      await expect(
        createRedfishFencer(bmcOf({ address: base, username: 'u', password: 'p' })).getPower(),
      ).rejects.toThrow(/manages 2 systems; set systemId/);
      const r = await fenceOff(
        createRedfishFencer(bmcOf({ address: base, username: 'u', password: 'p', systemId: '2' })),
        timing,
      );
      expect(r.fenced).toBe(true);
      expect(resets).toEqual(['/redfish/v1/Systems/2/Actions/ComputerSystem.Reset']);
    });

    test('409 to ForceOff from a system that is in fact off: tolerated, then confirmed by reading the state', async () => {
      power = 'On';
      resetStatus = 409;
      // The BMC still reads On for a moment, refuses ForceOff, and then reads Off.
      setTimeout(() => (power = 'Off'), 100);
      const r = await fenceOff(
        createRedfishFencer(bmcOf({ address: base, username: 'u', password: 'p', systemId: '1' })),
        timing,
      );
      expect(r).toMatchObject({ fenced: true });
    });

    test('an unknown PowerState is never taken for off (S1)', async () => {
      power = 'Unknown';
      resetStatus = 204;
      await expect(
        createRedfishFencer(bmcOf({ address: base, username: 'u', password: 'p', systemId: '1' })).getPower(),
      ).rejects.toThrow(/PowerState "Unknown"/);
    });
  });
});
