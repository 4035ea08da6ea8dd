/**
 * The bed's "management network": its computes are processes on one machine with no network of
 * their own, so each host answering the second signal is a TCP listener on its own loopback
 * address (127.0.0.11 for compute-1, …); freezer-dr probes it with the `tcp-probe` driver.
 * Closing a host's listener is that host going dark.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RawConfig } from './watchdog.js';

export const COMPUTES = ['compute-1', 'compute-2', 'compute-3'];
const addressOf = (host: string) => `127.0.0.${10 + Number(host.split('-')[1])}`;

/** One listener per compute on its own loopback address, all on the same port (tcp-probe's `ports`). */
export interface HostListeners {
  port: number;
  close(host: string): Promise<void>;
  closeAll(): Promise<void>;
}

export async function openHostListeners(): Promise<HostListeners> {
  const servers = new Map<string, { server: Server; sockets: Set<Socket> }>();
  const listen = (host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      const sockets = new Set<Socket>();
      const server = createServer((s) => s.end());
      server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
      server.once('error', reject);
      server.listen(port, addressOf(host), () => {
        servers.set(host, { server, sockets });
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(COMPUTES[0]!, 0);
  for (const h of COMPUTES.slice(1)) await listen(h, port);
  const close = async (host: string) => {
    const s = servers.get(host);
    if (!s) return;
    servers.delete(host);
    for (const sock of s.sockets) sock.destroy();
    await new Promise<void>((r) => s.server.close(() => r()));
  };
  return { port, close, closeAll: async () => void (await Promise.all([...servers.keys()].map(close))) };
}

/** The bed's config with the tcp-probe second signal (a refused loopback port is a dead host here). */
export const withSecondSignal = (port: number) => (c: RawConfig) => {
  c.monitor!.confirmation = 'second-signal';
  c.monitor!.secondSignal = {
    driver: 'tcp-probe',
    addresses: Object.fromEntries(COMPUTES.map((h) => [h, addressOf(h)])),
    ports: [port],
    refused: 'unreachable',
    timeoutSeconds: 1,
  };
};
