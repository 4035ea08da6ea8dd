import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserInputError } from '../lib/errors.js';
import { PROMETHEUS_CONTENT_TYPE, type PrometheusRegistry } from '../lib/metrics/index.js';
import type { PassReport } from './watch.js';

/** What the endpoints read: the watcher's last passes. Mutated by the watcher, read per request. */
export interface WatcherHealth {
  startedAt: string;
  intervalMs: number;
  passes: PassReport[];
}

/** Blind passes in a row after which `/healthz` fails too, so a supervisor can restart or page. */
export const UNHEALTHY_AFTER_BLIND_PASSES = 3;
/** No pass finished for this many intervals: the loop is stuck. */
const STUCK_AFTER_INTERVALS = 3;
/** Passes kept for the endpoints (and the status page). */
export const PASSES_KEPT = 20;

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new UserInputError(`--listen: expected ADDR:PORT, e.g. 127.0.0.1:9464 (got "${value}")`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Is the observer blind now: did the last pass fail, or see the cloud through the observer gate? */
export function isBlind(p: PassReport | undefined): boolean {
  return !!p && (!p.ok || !!p.decision?.gates.some((g) => g.gate === 'observer'));
}

export function healthOf(h: WatcherHealth, now = Date.now()) {
  const last = h.passes.at(-1);
  const lastAt = last ? Date.parse(last.at) : Date.parse(h.startedAt);
  const stuck = now - lastAt > STUCK_AFTER_INTERVALS * h.intervalMs + 5000;
  let blindInARow = 0;
  for (let i = h.passes.length - 1; i >= 0 && isBlind(h.passes[i]); i--) blindInARow++;
  const healthy = !stuck && blindInARow < UNHEALTHY_AFTER_BLIND_PASSES;
  const ready = !!h.passes.some((p) => !isBlind(p)) && !isBlind(last);
  return {
    healthy,
    ready,
    body: {
      startedAt: h.startedAt,
      lastPassAt: last?.at ?? null,
      lastPassOk: last ? !isBlind(last) : null,
      blindPassesInARow: blindInARow,
      stuck,
      lastError: last?.error ?? last?.decision?.gates.find((g) => g.gate === 'observer')?.reason ?? null,
    },
  };
}

/**
 * The local watcher's HTTP endpoints: `/metrics` (Prometheus text), `/healthz` (the process
 * runs its loop and can see the cloud), `/readyz` (a pass has seen the cloud and the last one
 * did), and the pages `page` serves (the status page on `/`). Read-only, GET and HEAD only, and
 * meant for 127.0.0.1 or a private network: it shows host names, never a secret. The pages get a
 * CSP that allows no script at all, as a second line behind their escaping.
 */
export async function startLocalServer(opts: {
  listen: { host: string; port: number };
  registry: PrometheusRegistry;
  health: WatcherHealth;
  /** HTML pages (the status page and incident pages): the page for a path, or undefined for 404. */
  page?: (path: string) => Promise<string | undefined>;
}): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(opts.registry.render());
        return;
      }
      if (path === '/healthz' || path === '/readyz') {
        const h = healthOf(opts.health);
        const ok = path === '/healthz' ? h.healthy : h.ready;
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok, ...h.body }) + '\n');
        return;
      }
      const html = opts.page ? await opts.page(path) : undefined;
      if (html !== undefined) {
        res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
          })
          .end(html);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
