import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createHttpClient } from '../../../lib/openstack/index.js';

// The notify tests' private CA and its 127.0.0.1 server certificate (made with openssl).
const fixture = (name: string) => fileURLToPath(new URL(`../notify/fixtures/${name}`, import.meta.url));

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer(
    { key: readFileSync(fixture('smtp.key')), cert: readFileSync(fixture('smtp.pem')) },
    (_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('OpenStack API TLS (S7: verification on unless explicitly turned off)', () => {
  test('a certificate from an unknown CA is refused', async () => {
    const http = createHttpClient({ timeoutMs: 2000, attempts: 1 });
    await expect(http({ method: 'GET', url })).rejects.toThrow(/TLS verification failed|certificate/i);
  });

  test('the private CA bundle makes it trusted', async () => {
    const http = createHttpClient({ timeoutMs: 2000, attempts: 1, caBundle: fixture('ca.pem') });
    await expect(http({ method: 'GET', url })).resolves.toMatchObject({ status: 200 });
  });

  test('another CA bundle does not', async () => {
    const http = createHttpClient({ timeoutMs: 2000, attempts: 1, caBundle: fixture('smtp.pem') });
    await expect(http({ method: 'GET', url })).rejects.toThrow(/TLS verification failed|certificate/i);
  });
});
