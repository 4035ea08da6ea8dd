/**
 * A stand-in for Keystone and Nova that answers whatever a case wants — malformed JSON, HTML
 * error pages, missing fields, wrong types — so the clients' handling of broken answers can be
 * tested. Every request is logged (method and path).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface FakeCloud {
  authUrl: string;
  origin: string;
  /** Answer to POST /v3/auth/tokens; default: a valid token whose catalog points compute here. */
  keystone: FakeReply | null;
  /** Answer to GET …/os-services; default: one healthy compute-1. */
  services: FakeReply | null;
  requests: Array<{ method: string; path: string }>;
  tokens: Set<string>;
  reset(): void;
  stop(): Promise<void>;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): FakeReply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...headers },
});
export const html = (status: number, title: string): FakeReply => ({
  status,
  body: `<html><head><title>${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>`,
  headers: { 'Content-Type': 'text/html' },
});

export function tokenBody(origin: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: {
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      user: { id: 'u1', name: 'admin' },
      project: { id: 'p1', name: 'admin' },
      catalog: [
        {
          type: 'compute',
          name: 'nova',
          endpoints: [
            { interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${origin}/compute/v2.1` },
          ],
        },
      ],
      ...over,
    },
  };
}

export function service(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'svc-1',
    binary: 'nova-compute',
    host: 'compute-1',
    zone: 'nova',
    status: 'enabled',
    state: 'up',
    forced_down: false,
    updated_at: new Date().toISOString().replace('Z', ''),
    disabled_reason: null,
    ...over,
  };
}

export async function startFakeCloud(): Promise<FakeCloud> {
  const requests: FakeCloud['requests'] = [];
  const tokens = new Set<string>();
  let origin = '';
  const send = (res: ServerResponse, r: FakeReply) => {
    res.writeHead(r.status, {
      Date: new Date().toUTCString(),
      'Content-Length': String(Buffer.byteLength(r.body)),
      ...r.headers,
    });
    res.end(r.body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? 'GET', path });
      if (req.method === 'POST' && path === '/v3/auth/tokens') {
        if (fake.keystone) return send(res, fake.keystone);
        const token = `fake-token-${randomBytes(8).toString('hex')}`;
        tokens.add(token);
        return send(res, json(201, tokenBody(origin), { 'X-Subject-Token': token }));
      }
      if (req.method === 'GET' && path === '/compute/v2.1/os-services')
        return send(res, fake.services ?? json(200, { services: [service()] }));
      send(res, json(404, { itemNotFound: { code: 404, message: 'The resource could not be found.' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeCloud = {
    authUrl: `${origin}/v3`,
    origin,
    keystone: null,
    services: null,
    requests,
    tokens,
    reset() {
      fake.keystone = null;
      fake.services = null;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
