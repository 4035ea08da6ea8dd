import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { httpDate } from './clock.js';
import type { CloudState } from './state.js';
import type { RequestLogEntry, SimServiceName } from './types.js';

/**
 * The one HTTP layer under every simulated endpoint: loopback, port 0, the sim clock's Date
 * header, the latency fault, the request log, and deliberate hangs/resets for fault tests.
 */

export interface SimRequest {
  method: string;
  /** Path and query as sent. */
  rawUrl: string;
  /** Path without the query and without trailing slashes (except "/"). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  header(name: string): string | undefined;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** Recorded in the request log (Nova). */
  microversion?: string;
}

/** Hang: hold the request open until the client gives up (or the sim stops). Reset: drop the connection. */
export type Reply = HttpReply | { hang: true; microversion?: string } | { reset: true };

export interface HttpServiceOptions {
  service: SimServiceName;
  state: CloudState;
  handle(req: SimRequest): Promise<Reply> | Reply;
  /** True: destroy connections as they arrive (an unreachable service). */
  refuse?(): boolean;
  /** Headers added to every answer, e.g. x-openstack-request-id. */
  commonHeaders?(): Record<string, string>;
  /** Redfish: which host's BMC this is, for the log. */
  bmcHost?: string;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RunningHttpService {
  port: number;
  /** scheme://127.0.0.1:port */
  origin: string;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export function json(status: number, body: unknown, headers?: Record<string, string>): HttpReply {
  return headers ? { status, json: body, headers } : { status, json: body };
}

export function text(
  status: number,
  body: string,
  contentType = 'text/plain; charset=UTF-8',
  headers: Record<string, string> = {},
): HttpReply {
  return { status, text: body, headers: { 'Content-Type': contentType, ...headers } };
}

export function empty(status: number, headers?: Record<string, string>): HttpReply {
  return headers ? { status, headers } : { status };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function normalisePath(pathname: string): string {
  const p = pathname.replace(/\/{2,}/g, '/');
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

// eslint-disable-next-line max-lines-per-function -- test double: one HTTP server with its request handler and fault injection
export async function startHttpService(o: HttpServiceOptions): Promise<RunningHttpService> {
  const { state } = o;
  const sockets = new Set<Socket>();

  const log = (entry: Omit<RequestLogEntry, 'service'>): void => {
    const e: RequestLogEntry = { service: o.service, ...entry };
    if (o.bmcHost) e.host = o.bmcHost;
    state.requestLog.push(e);
  };

  // eslint-disable-next-line max-lines-per-function -- test double: the request handler reads, delays, answers and logs in one place
  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (o.refuse?.()) {
      log({ method, path: rawUrl, status: 0 });
      req.socket.destroy();
      return;
    }
    const body = await readBody(req).catch(() => null);
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const headers = req.headers;
    const simReq: SimRequest = {
      method,
      rawUrl,
      path: normalisePath(url.pathname),
      query: url.searchParams,
      headers,
      body: body ?? '',
      header(name) {
        const v = headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
    };
    await state.timers.sleep(state.faults.latencyMs);
    let reply: Reply;
    try {
      reply = body === null ? text(413, 'Request Entity Too Large') : await o.handle(simReq);
    } catch (err) {
      // A bug in the sim, not a simulated failure: make it loud in the answer.
      reply = text(500, `sim internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    // Nova writes keep their body in the log even when the answer is lost, so tests can tell which action it was.
    const written = o.service === 'nova' && method !== 'GET' && body ? { body } : {};
    if ('reset' in reply) {
      log({ method, path: rawUrl, status: 0, ...written });
      req.socket.destroy();
      return;
    }
    if ('hang' in reply) {
      log(
        reply.microversion
          ? { method, path: rawUrl, status: 0, microversion: reply.microversion, ...written }
          : { method, path: rawUrl, status: 0, ...written },
      );
      return;
    }
    const out: Record<string, string> = {
      ...(state.opts.dateHeader ? { Date: httpDate(state.clock.now()) } : {}),
      ...(o.commonHeaders?.() ?? {}),
      ...(reply.headers ?? {}),
    };
    let payload = '';
    if (reply.json !== undefined) {
      payload = JSON.stringify(reply.json);
      if (!Object.keys(out).some((k) => k.toLowerCase() === 'content-type')) out['Content-Type'] = 'application/json';
    } else if (reply.text !== undefined) {
      payload = reply.text;
    }
    out['Content-Length'] = String(Buffer.byteLength(payload));
    if (!res.destroyed) {
      // Node adds a Date of its own (our clock) unless told not to: the sim's is the cloud's clock, or none.
      res.sendDate = false;
      res.writeHead(reply.status, out);
      res.end(method === 'HEAD' ? undefined : payload);
    }
    log(
      reply.microversion
        ? { method, path: rawUrl, status: reply.status, microversion: reply.microversion, ...written }
        : { method, path: rawUrl, status: reply.status, ...written },
    );
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server: Server = o.tls
    ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, listener)
    : createHttpServer(listener);
  // 'connection' fires with the raw socket for HTTP and HTTPS alike: refusing here also
  // refuses before any TLS handshake, like a host that does not answer.
  server.on('connection', (socket: Socket) => {
    if (o.refuse?.()) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Clients that hang up mid-request must not crash the sim.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Parse a JSON body; undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
