/**
 * Client TLS (clouds.yaml `cert` / `key`, OS_CERT / OS_KEY): a local HTTPS "Keystone" on
 * 127.0.0.1 that requires a client certificate signed by its CA. Certificates are made here with
 * openssl, fresh for each run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { parseConfig, resolveCloud } from '../../../lib/config/index.js';
import { ApiUnreachableError, createHttpClient, createSession } from '../../../lib/openstack/index.js';

let dir: string;
let server: Server;
let base: string;
/** The subject CN of the client certificate each request presented (undefined: none). */
const seen: Array<string | undefined> = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=fdr-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', ['-extfile', 'server.ext']],
    ['client', 'freezer-dr-client', []],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    const sign = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'];
    openssl('x509', '-req', '-in', `${name}.csr`, ...sign, '-out', `${name}.pem`, ...ext);
  }
  writeFileSync(
    join(dir, 'client-combined.pem'),
    readFileSync(join(dir, 'client.pem'), 'utf8') + readFileSync(join(dir, 'client.key'), 'utf8'),
  );
}

const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fdr-client-tls-'));
  makeCertificates();
  server = createServer(
    {
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.pem')),
      ca: readFileSync(file('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const cn = peer?.subject?.CN;
      seen.push(Array.isArray(cn) ? cn.join(',') : cn);
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'tok-1' });
        res.end(
          JSON.stringify({
            token: {
              expires_at: '2099-01-01T00:00:00Z',
              user: { id: 'u1' },
              project: { id: 'p1' },
              catalog: [
                {
                  type: 'compute',
                  endpoints: [{ interface: 'internal', region_id: 'RegionOne', url: `${base}/compute/v2.1` }],
                },
              ],
            },
          }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('client TLS certificate (OS_CERT / OS_KEY)', () => {
  test('the client certificate and key are presented', async () => {
    const http = createHttpClient({
      timeoutMs: 5000,
      attempts: 1,
      caBundle: file('ca.pem'),
      clientCert: file('client.pem'),
      clientKey: file('client.key'),
    });
    seen.length = 0;
    expect((await http({ method: 'GET', url: `${base}/`, schema: undefined })).status).toBe(200);
    expect(seen).toEqual(['freezer-dr-client']);
  });

  test('a certificate file that holds the key too works alone (cert without key)', async () => {
    const http = createHttpClient({
      timeoutMs: 5000,
      attempts: 1,
      caBundle: file('ca.pem'),
      clientCert: file('client-combined.pem'),
    });
    seen.length = 0;
    expect((await http({ method: 'GET', url: `${base}/` })).status).toBe(200);
    expect(seen).toEqual(['freezer-dr-client']);
  });

  test('without a client certificate the server refuses the handshake', async () => {
    const http = createHttpClient({ timeoutMs: 5000, attempts: 1, caBundle: file('ca.pem') });
    await expect(http({ method: 'GET', url: `${base}/` })).rejects.toBeInstanceOf(ApiUnreachableError);
  });

  test('clouds.yaml cacert/cert/key reach Keystone and Nova through the session', async () => {
    writeFileSync(
      file('clouds.yaml'),
      [
        'clouds:',
        '  tls:',
        '    interface: internal',
        `    cacert: ${file('ca.pem')}`,
        `    cert: ${file('client.pem')}`,
        `    key: ${file('client.key')}`,
        '    auth:',
        `      auth_url: ${base}/v3`,
        '      username: ha',
        '      password: client-tls-test-password',
        '      project_id: p1',
        '',
      ].join('\n'),
    );
    const cloud = await resolveCloud(
      parseConfig({ cloud: { from: 'clouds-yaml', name: 'tls', file: file('clouds.yaml') } }).cloud,
      {
        HOME: dir,
      },
    );
    seen.length = 0;
    const session = createSession(cloud);
    expect(await session.endpoint('compute')).toBe(`${base}/compute/v2.1`);
    expect((await session.request({ service: 'compute', method: 'GET', path: '/' })).status).toBe(200);
    expect(seen).toEqual(['freezer-dr-client', 'freezer-dr-client']);
  });
});
