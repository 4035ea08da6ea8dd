import { connect } from 'node:net';
import type { TcpProbeSignalConfig } from '../../config/index.js';
import type { HostReachability, Reachability } from '../schemas.js';
import { observedError, type SecondSignalDriver } from './second-signal.js';

/** Probes in flight at once: a few hundred computes finish within one timeout or two. */
const CONCURRENCY = 64;

/** Errors that mean the network itself says the host is not there. */
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT']);

export function probeAddress(cfg: Pick<TcpProbeSignalConfig, 'address' | 'addresses'>, host: string): string {
  return cfg.addresses[host] ?? cfg.address.replaceAll('{host}', host);
}

/** One TCP connect: what it says about the host, in words. */
function probePort(
  address: string,
  port: number,
  cfg: TcpProbeSignalConfig,
  signal?: AbortSignal,
): Promise<{ r: Reachability; detail: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: cfg.timeoutSeconds * 1000, signal });
    const done = (r: Reachability, detail: string) => {
      socket.destroy();
      resolve({ r, detail: `${address}:${port} ${detail}` });
    };
    socket.once('connect', () => done('alive', 'accepted'));
    socket.once('timeout', () => done('unreachable', `timed out after ${cfg.timeoutSeconds} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED')
        done(cfg.refused === 'alive' ? 'alive' : 'unreachable', 'refused (the host answered with a reset)');
      else if (err.code && UNREACHABLE_CODES.has(err.code)) done('unreachable', err.code);
      // DNS failures and anything unexpected are no proof the host is dead.
      else done('unknown', err.code ?? err.message);
    });
  });
}

/** Alive when any port answers; unreachable only when every port says so; otherwise unknown. */
async function probeHost(host: string, cfg: TcpProbeSignalConfig, signal?: AbortSignal): Promise<HostReachability> {
  const address = probeAddress(cfg, host);
  const results = await Promise.all(cfg.ports.map((p) => probePort(address, p, cfg, signal)));
  const alive = results.find((x) => x.r === 'alive');
  if (alive) return { reachability: 'alive', detail: alive.detail };
  const reachability = results.every((x) => x.r === 'unreachable') ? 'unreachable' : 'unknown';
  return { reachability, detail: results.map((x) => x.detail).join('; ') };
}

/** `tcp-probe`: a TCP connect to each compute's management address, from wherever the monitor runs. */
export const tcpProbeSignal: SecondSignalDriver<TcpProbeSignalConfig> = async ({ config, hosts, signal }) => {
  const source = `tcp-probe ${config.ports.join(',')}/tcp`;
  try {
    const out: Record<string, HostReachability> = {};
    const queue = [...hosts];
    const worker = async () => {
      for (let h = queue.shift(); h !== undefined; h = queue.shift()) out[h] = await probeHost(h, config, signal);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return { ok: true, source, hosts: out };
  } catch (err) {
    return observedError(source, err);
  }
};
