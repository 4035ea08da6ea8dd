import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's `prometheus` package (apt-get install prometheus; its service is never started by us). */
export const PROMETHEUS_BIN = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

/**
 * One tiny exporter per simulated host on 127.0.0.1: `/metrics` in the text format. Prometheus
 * scrapes each as its own target labelled `instance="<host>:9100"`, so the synthetic `up` series
 * carries the host the way node_exporter's does in a real deployment, and the default
 * query (`up`, label `instance`) works unchanged. `stop(host)` makes the host go dark.
 */
export interface Exporters {
  ports: Record<string, number>;
  stop(host: string): Promise<void>;
  start(host: string): Promise<void>;
  close(): Promise<void>;
}

export async function startExporters(hosts: readonly string[]): Promise<Exporters> {
  const servers = new Map<string, { server: Server; sockets: Set<Socket> }>();
  const ports: Record<string, number> = {};
  const listen = async (host: string, port: number) => {
    const sockets = new Set<Socket>();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE node_boot_time_seconds gauge\nnode_boot_time_seconds{host="${host}"} 1.7e9\n`);
    });
    server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    ports[host] = (server.address() as AddressInfo).port;
    servers.set(host, { server, sockets });
  };
  const stop = async (host: string) => {
    const s = servers.get(host);
    if (!s) return;
    servers.delete(host);
    for (const sock of s.sockets) sock.destroy();
    await new Promise<void>((r) => s.server.close(() => r()));
  };
  for (const h of hosts) await listen(h, 0);
  return {
    ports,
    stop,
    start: async (host) => (servers.has(host) ? undefined : listen(host, ports[host]!)),
    close: async () => {
      for (const h of [...servers.keys()]) await stop(h);
    },
  };
}

export interface RunningPrometheus {
  url: string;
  /** Stop it (SIGTERM, then wait): the watcher's second source becomes unreachable. */
  stop(): Promise<void>;
  /** The `up` value Prometheus currently holds per instance label. */
  up(): Promise<Record<string, number>>;
  /** Poll until `pred` holds on the current `up` values (scrapes are every second). */
  waitForUp(pred: (up: Record<string, number>) => boolean, ms?: number): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A real Prometheus on 127.0.0.1 in a temp dir, scraping every exporter once a second. */
export async function startPrometheus(exporters: Exporters): Promise<RunningPrometheus> {
  if (!PROMETHEUS_BIN) throw new Error('Debian package prometheus is not installed (apt-get install prometheus)');
  const dir = mkdtempSync(join(tmpdir(), 'fdr-prom-'));
  const targets = Object.entries(exporters.ports)
    .map(([host, port]) => `      - targets: ['127.0.0.1:${port}']\n        labels: { instance: '${host}:9100' }`)
    .join('\n');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 800ms\nscrape_configs:\n  - job_name: node\n    static_configs:\n${targets}\n`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const up = async () => {
    const res = await fetch(`${url}/api/v1/query?query=up`);
    const body = (await res.json()) as {
      data: { result: Array<{ metric: { instance: string }; value: [number, string] }> };
    };
    return Object.fromEntries(
      body.data.result.map((s) => [s.metric.instance.replace(/:9100$/, ''), Number(s.value[1])]),
    );
  };
  const waitForUp = async (pred: (u: Record<string, number>) => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const current = await up().catch(() => ({}));
      if (pred(current)) return;
      if (Date.now() > end)
        throw new Error(`prometheus: condition on up not met; last ${JSON.stringify(current)}; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await waitForUp(
      (u) => Object.keys(u).length === Object.keys(exporters.ports).length && Object.values(u).every((v) => v === 1),
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop, up, waitForUp };
}
