/**
 * One UDP conversation with one BMC: send, wait for the matching datagram, retransmit
 * on a per-attempt timeout, give up at a total deadline or when the caller aborts.
 * Everything that is not the awaited answer (garbage, truncated packets, stale replies,
 * packets failing their MAC) is dropped and counted; none of it can throw or hang.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BmcUnreachableError } from '../errors.js';

export interface ChannelObserver {
  /** Every datagram we put on the wire, retransmissions included. */
  sent?(datagram: Buffer): void;
  /** A datagram we dropped because it was not the awaited answer. */
  ignored?(datagram: Buffer): void;
}

export interface ChannelOptions {
  host: string;
  port: number;
  /** Log-safe BMC description for error messages. */
  target: string;
  /** Wait this long for an answer before the first retransmission; later waits grow (1, 1, 1, 1, 1, 2, 2… ×). */
  attemptTimeoutMs: number;
  /** Budget of one request with all its retransmissions: a BMC silent this long is unreachable. */
  requestTimeoutMs: number;
  /** performance.now() value after which every exchange fails (the whole operation's deadline). */
  deadline: number;
  signal?: AbortSignal;
  observer?: ChannelObserver;
}

export interface Exchange<T> {
  /** Name of the request, for error messages. */
  what: string;
  /** Builds the datagram for each attempt: in-session retransmissions need a new sequence number. */
  build(attempt: number): Buffer;
  /** The decoded answer, or undefined when the datagram is not it. Must not throw. */
  match(datagram: Buffer): T | undefined;
  /** Per-exchange overrides, e.g. a short best-effort Close Session. */
  attemptTimeoutMs?: number;
  requestTimeoutMs?: number;
  deadline?: number;
  maxAttempts?: number;
  /**
   * Asked when an attempt ends unanswered. Returning an error ends the exchange with it:
   * a reply that parsed but failed its proof is then the answer, once no genuine one came.
   */
  verdict?(): Error | undefined;
}

export interface Channel {
  exchange<T>(ex: Exchange<T>): Promise<T>;
  /** Datagrams dropped so far. */
  readonly ignored: number;
  /** The caller aborted or the channel is closed: no failure from here on is the BMC's. */
  readonly aborted: boolean;
  close(): void;
}

interface Pending {
  match(datagram: Buffer): unknown;
  done(value: unknown): void;
}

function aborted(opts: ChannelOptions, what: string): BmcUnreachableError {
  return new BmcUnreachableError(`${what} to BMC ${opts.target} was aborted`, { cause: opts.signal?.reason });
}

async function resolveAddress(opts: ChannelOptions): Promise<{ address: string; family: 4 | 6 }> {
  const family = isIP(opts.host);
  if (family === 4 || family === 6) return { address: opts.host, family };
  let timer: NodeJS.Timeout | undefined;
  try {
    // getaddrinfo cannot be cancelled; racing it keeps the deadline a deadline.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('DNS lookup timed out')),
        Math.max(0, opts.deadline - performance.now()),
      );
    });
    const found = await Promise.race([lookup(opts.host), timeout]);
    return { address: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (err) {
    throw new BmcUnreachableError(`cannot resolve the address of BMC ${opts.target}`, {
      cause: err,
      hint: 'check the BMC host name in the fencing configuration and DNS',
    });
  } finally {
    clearTimeout(timer);
  }
}

// eslint-disable-next-line max-lines-per-function -- one UDP socket with its retransmission, per-request timeout and reply matching in one closure
export async function openChannel(opts: ChannelOptions): Promise<Channel> {
  if (opts.signal?.aborted) throw aborted(opts, 'connecting');
  const { address, family } = await resolveAddress(opts);
  const socket: Socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  let lastError: unknown;
  let ignored = 0;
  let closed = false;
  let pending: Pending | undefined;

  socket.on('error', (err) => {
    // ICMP port-unreachable and friends arrive here on a connected socket. They are not
    // fatal: the BMC may be rebooting, so retransmission goes on until the deadline.
    lastError = err;
  });
  socket.on('message', (msg, rinfo) => {
    // The socket is connected, so the kernel already filters the peer; this is belt and braces.
    if (rinfo.port !== opts.port || (rinfo.address !== address && rinfo.address !== `::ffff:${address}`)) {
      ignored++;
      opts.observer?.ignored?.(msg);
      return;
    }
    let value: unknown;
    try {
      value = pending?.match(msg);
    } catch {
      value = undefined;
    }
    if (value === undefined || !pending) {
      ignored++;
      opts.observer?.ignored?.(msg);
      return;
    }
    pending.done(value);
  });

  const close = () => {
    if (closed) return;
    closed = true;
    pending = undefined;
    try {
      socket.close();
    } catch {
      // Already closed by an error path: nothing left to release.
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.connect(opts.port, address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    close();
    throw new BmcUnreachableError(`cannot open a UDP socket to BMC ${opts.target}`, { cause: err });
  }

  const TIMEOUT = Symbol('timeout');

  /** Resolves with the matched value, TIMEOUT, or rejects when aborted. */
  const waitFor = (match: (d: Buffer) => unknown, ms: number, what: string) =>
    new Promise<unknown>((resolve, reject) => {
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        pending = undefined;
        fn();
      };
      const onAbort = () => finish(() => reject(aborted(opts, what)));
      const timer = setTimeout(() => finish(() => resolve(TIMEOUT)), Math.max(0, ms));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      pending = { match, done: (value) => finish(() => resolve(value)) };
    });

  const exchange = async <T>(ex: Exchange<T>): Promise<T> => {
    const perAttempt = ex.attemptTimeoutMs ?? opts.attemptTimeoutMs;
    const maxAttempts = ex.maxAttempts ?? Number.POSITIVE_INFINITY;
    const started = performance.now();
    // Each request has its own budget inside the operation's: a slow BMC that answers every
    // request in time gets through a long session, a silent one is given up on after one.
    const deadline = Math.min(ex.deadline ?? opts.deadline, started + (ex.requestTimeoutMs ?? opts.requestTimeoutMs));
    let attempt = 0;
    for (; attempt < maxAttempts; attempt++) {
      if (closed) throw new BmcUnreachableError(`${ex.what} to BMC ${opts.target}: the connection is closed`);
      if (opts.signal?.aborted) throw aborted(opts, ex.what);
      const remaining = deadline - performance.now();
      // Timers fire a little early; a sliver of budget is no attempt worth sending.
      if (remaining < Math.min(5, perAttempt)) break;
      const datagram = ex.build(attempt);
      opts.observer?.sent?.(datagram);
      socket.send(datagram, (err) => {
        if (err) lastError = err;
      });
      // Five tries in the first five waits, then the wait grows (1, 1, 1, 1, 1, 2, 2… × the
      // first): a lossy link gets five tries in the default 5 s, and a BMC slower than one wait
      // still gets its answer counted, since a late answer to an earlier try matches too.
      const wait = perAttempt * (1 + Math.floor(attempt / 5));
      const value = await waitFor(ex.match as (d: Buffer) => unknown, Math.min(wait, remaining), ex.what);
      if (value !== TIMEOUT) return value as T;
      const verdict = ex.verdict?.();
      if (verdict) throw verdict;
    }
    const elapsed = Math.round(performance.now() - started);
    throw new BmcUnreachableError(
      `no answer from BMC ${opts.target} to ${ex.what} after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${elapsed} ms`,
      {
        cause: lastError,
        hint: 'check that the BMC is powered, reachable over UDP from here, and has IPMI over LAN enabled',
      },
    );
  };

  return {
    exchange,
    get ignored() {
      return ignored;
    },
    get aborted() {
      return closed || (opts.signal?.aborted ?? false);
    },
    close,
  };
}
