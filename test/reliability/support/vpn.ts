/**
 * The site-to-site VPN between freezer-dr and the cloud, as a forwarding proxy in front of the
 * simulated Keystone, Nova and Glance. Keystone's catalog is rewritten so that every cloud call
 * goes through it. It can be cut (every open connection reset, new ones refused) and restored,
 * and it records the X-Subject-Token of every token Keystone issues, for the S6 scan.
 */
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SimCloud } from '../../../lib/sim/index.js';

export interface Vpn {
  /** Keystone through the tunnel: the authUrl to configure. */
  authUrl: string;
  /** Every token Keystone issued through the tunnel. */
  tokens: Set<string>;
  /** Requests refused or reset while the tunnel was cut. */
  dropped: number;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

function strip(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined && !HOP_BY_HOP.includes(k.toLowerCase())) out[k] = v;
  return out;
}

export async function startVpn(sim: SimCloud): Promise<Vpn> {
  let down = false;
  let dropped = 0;
  const tokens = new Set<string>();
  const sockets = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  const servers: Server[] = [];
  const rewrites: Array<[string, string]> = [];

  const forwarder = (upstream: URL, rewrite: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    if (down) {
      dropped++;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...strip(req.headers), host: upstream.host, connection: 'close' },
          agent: false,
        },
        (ur) => {
          const body: Buffer[] = [];
          ur.on('data', (c: Buffer) => body.push(c));
          ur.on('error', () => req.socket.destroy());
          ur.on('end', () => {
            if (down) {
              dropped++;
              req.socket.destroy();
              return;
            }
            let buf = Buffer.concat(body);
            const token = ur.headers['x-subject-token'];
            if (typeof token === 'string') tokens.add(token);
            if (rewrite && buf.length) {
              let s = buf.toString('utf8');
              for (const [from, to] of rewrites) s = s.split(from).join(to);
              buf = Buffer.from(s, 'utf8');
            }
            const headers = strip(ur.headers);
            headers['content-length'] = String(buf.length);
            if (!res.destroyed) {
              // A tunnel adds no headers: a Date here would be our clock posing as the cloud's.
              res.sendDate = false;
              res.writeHead(ur.statusCode ?? 502, headers);
              res.end(buf);
            }
          });
        },
      );
      up.on('socket', (s: Socket) => {
        upstreamSockets.add(s);
        s.on('close', () => upstreamSockets.delete(s));
      });
      // The sim reset the connection (an unreachable service): reset ours too, like a router would.
      up.on('error', () => req.socket.destroy());
      // The client gave up (timeout): let go of the upstream request as well.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(Buffer.concat(chunks));
    });
  };

  async function listen(upstreamOrigin: string, rewrite: boolean): Promise<string> {
    const server = createServer(forwarder(new URL(upstreamOrigin), rewrite));
    server.on('connection', (s: Socket) => {
      if (down) {
        dropped++;
        s.destroy();
        return;
      }
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const origin = (u: string) => new URL(u).origin;
  const keystone = await listen(origin(sim.endpoints.identity), true);
  const nova = await listen(origin(sim.endpoints.compute), false);
  const glance = await listen(origin(sim.endpoints.image), false);
  rewrites.push(
    [origin(sim.endpoints.identity), keystone],
    [origin(sim.endpoints.compute), nova],
    [origin(sim.endpoints.image), glance],
  );

  const vpn: Vpn = {
    authUrl: `${keystone}${new URL(sim.authUrl).pathname}`,
    tokens,
    get dropped() {
      return dropped;
    },
    set dropped(v: number) {
      dropped = v;
    },
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
      for (const s of upstreamSockets) s.destroy();
    },
    restore() {
      down = false;
    },
    get isCut() {
      return down;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      for (const s of upstreamSockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
  return vpn;
}
