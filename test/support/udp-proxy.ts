/**
 * A UDP proxy on 127.0.0.1 between an IPMI client and a BMC, to lose, delay or count
 * datagrams on purpose. Each client socket gets its own upstream socket, so the BMC sees one
 * peer per client as it would without the proxy (ipmi_sim ties a session to its source port).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export type Direction = 'to-bmc' | 'to-client';
/** What to do with one datagram: pass it, drop it, or pass it after a delay. */
export type Verdict = 'pass' | 'drop' | { delayMs: number };

export interface UdpProxy {
  /** host:port for the fencing config. */
  readonly address: string;
  readonly port: number;
  /** Datagrams dropped so far, by direction. */
  readonly dropped: Record<Direction, number>;
  /** Replace the rule, e.g. to heal the link mid-test. */
  setRule(rule: (direction: Direction, datagram: Buffer) => Verdict): void;
  close(): Promise<void>;
}

export async function startUdpProxy(
  bmcPort: number,
  rule: (direction: Direction, datagram: Buffer) => Verdict = () => 'pass',
): Promise<UdpProxy> {
  const front = createSocket('udp4');
  const upstreams = new Map<string, Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const dropped: Record<Direction, number> = { 'to-bmc': 0, 'to-client': 0 };
  let current = rule;

  const apply = (direction: Direction, msg: Buffer, forward: () => void) => {
    const v = current(direction, msg);
    if (v === 'drop') {
      dropped[direction]++;
      return;
    }
    if (v === 'pass') return forward();
    const t = setTimeout(() => {
      timers.delete(t);
      forward();
    }, v.delayMs);
    timers.add(t);
  };

  const upstreamFor = (client: RemoteInfo): Socket => {
    const key = `${client.address}:${client.port}`;
    let up = upstreams.get(key);
    if (up) return up;
    const sock = createSocket('udp4');
    sock.on('error', () => undefined);
    sock.on('message', (msg) =>
      apply('to-client', msg, () => front.send(msg, client.port, client.address, () => undefined)),
    );
    sock.bind(0, '127.0.0.1');
    upstreams.set(key, sock);
    up = sock;
    return up;
  };

  front.on('error', () => undefined);
  front.on('message', (msg, client) => {
    const up = upstreamFor(client);
    apply('to-bmc', msg, () => up.send(msg, bmcPort, '127.0.0.1', () => undefined));
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    dropped,
    setRule(r) {
      current = r;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      await Promise.all(
        [front, ...upstreams.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

/** RMCP+ payload type of a datagram (Open Session 0x10/0x11, RAKP 0x12–0x15, IPMI 0x00), if it is RMCP+. */
export function payloadType(d: Buffer): number | undefined {
  return d.length >= 16 && d[0] === 0x06 && d[4] === 0x06 ? (d[5] ?? 0) & 0x3f : undefined;
}

/** A small seeded PRNG (mulberry32): the same losses on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
