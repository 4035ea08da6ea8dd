import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { createLogger, getLogger, setLogger } from '../../../lib/log/index.js';
import { ApiUnreachableError, createHttpClient } from '../../../lib/openstack/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../notify/fixtures/${name}`, import.meta.url));
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer(
    { key: readFileSync(fixture('smtp.key')), cert: readFileSync(fixture('smtp.pem')) },
    (req, res) => {
      if (req.url?.startsWith('/slow')) return; // never answers
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true, path: req.url }));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const Schema = z.object({ ok: z.boolean(), path: z.string() });

// Certificate checks (S7) are in tls.test.ts; this covers what the node:https transport adds.
describe('the cloud HTTP client over TLS', () => {
  test('sends the query and skips undefined parameters', async () => {
    const http = createHttpClient({ timeoutMs: 2000, caBundle: fixture('ca.pem') });
    const res = await http({ method: 'GET', url: `${url}/x`, query: { a: 1, b: undefined }, schema: Schema });
    expect(res.data).toEqual({ ok: true, path: '/x?a=1' });
  });

  test('a request that gets no answer fails as unreachable after the timeout', async () => {
    const http = createHttpClient({ timeoutMs: 200, caBundle: fixture('ca.pem'), attempts: 1 });
    await expect(http({ method: 'GET', url: `${url}/slow`, schema: Schema })).rejects.toThrow(ApiUnreachableError);
    await expect(http({ method: 'GET', url: `${url}/slow`, schema: Schema })).rejects.toThrow(/timed out/);
  });

  test('at debug level each exchange is one line: method and path, never the query or headers', async () => {
    const lines: string[] = [];
    const before = getLogger();
    setLogger(createLogger({ level: 'debug', write: (l) => lines.push(l) }));
    try {
      const http = createHttpClient({ timeoutMs: 2000, caBundle: fixture('ca.pem') });
      await http({
        method: 'GET',
        url: `${url}/x`,
        query: { marker: 'abc' },
        headers: { 'X-Auth-Token': 'tok-1' },
        schema: Schema,
      });
    } finally {
      setLogger(before);
    }
    const traced = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(traced).toEqual([
      expect.objectContaining({
        message: 'http exchange',
        request: `GET ${url}/x`,
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
    expect(lines.join('\n')).not.toMatch(/abc|tok-1/);
  });
});
