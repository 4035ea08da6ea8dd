/**
 * An active RMCP+ session: every request encrypted (AES-CBC-128) and authenticated
 * (HMAC with K1), every answer checked in the order PROTOCOL.md §12.15 gives — session
 * ID, AuthCode, sequence, then decryption, checksums and command match.
 * Stateless by design: open, do one job, close. Robust for Lambdas that freeze between calls.
 */
import { performance } from 'node:perf_hooks';
import { BmcPrivilegeError, BmcProtocolError, BmcUnreachableError } from '../errors.js';
import type { CipherSuite } from './cipher-suites.js';
import { constantTimeEqual, decryptPayload, encryptPayload, packetAuthCode, userKey } from './crypto.js';
import {
  authenticate,
  getChannelAuthCapabilities,
  getChannelCipherSuites,
  HandshakeLostError,
  openSession,
  type EstablishedSession,
  type HandshakeContext,
} from './handshake.js';
import { suiteKnowledge } from './negotiation.js';
import { decodeResponse, describeCompletionCode, encodeRequest, type IpmiResponse } from './message.js';
import { decodeRmcpPlus, encodeRmcpPlus, PayloadType } from './packet.js';
import { privilegeName } from './privilege.js';
import { openChannel, type Channel, type ChannelObserver } from './transport.js';

export interface SessionParams {
  host: string;
  port: number;
  /** Log-safe BMC description for messages: the configured address, e.g. "10.0.0.5:623". */
  target: string;
  username: string;
  password: string;
  suites: readonly CipherSuite[];
  /** Privilege level number (3 operator, 4 administrator). */
  privilege: number;
  /** First retransmission wait. */
  attemptTimeoutMs: number;
  /** Budget of one request with its retransmissions. Defaults to timeoutMs. */
  requestTimeoutMs?: number;
  /** Budget for the whole session, set-up to close (handshake restarts included). */
  timeoutMs: number;
  /** The BMC key K_G, raw bytes (from hex). Copied for the session and wiped after it. */
  kg?: Uint8Array;
  signal?: AbortSignal;
  observer?: ChannelObserver;
}

export interface IpmiSession {
  readonly suite: CipherSuite;
  /** Sends one in-session request; the response may carry a non-zero completion code. */
  request(netFn: number, cmd: number, data?: Uint8Array, what?: string): Promise<IpmiResponse>;
  /** Best-effort Close Session, then the socket closes and the keys are wiped. Never throws. */
  close(): Promise<void>;
}

const APP_NETFN = 0x06;
const SET_SESSION_PRIVILEGE_LEVEL = 0x3b;
const CLOSE_SESSION = 0x3c;
/** Close Session is a courtesy to the BMC's few session slots; it must not delay the caller. */
const CLOSE_BUDGET_MS = 500;

// eslint-disable-next-line max-lines-per-function -- a session object: its methods share the keys, sequence numbers and channel of one closure
function activeSession(
  channel: Channel,
  established: EstablishedSession,
  params: SessionParams,
  deadline: number,
): IpmiSession {
  const { suite, sidm, sidc, keys } = established;
  // Sequence numbers are never 0 in a session and go up on every packet, retransmissions included.
  let outSeq = 0;
  let lastInSeq = 0;
  let rqSeq = 0;
  let closed = false;
  // A BMC that just left a request unanswered gets no Close Session: it would only cost the caller time.
  let silent = false;

  const nextOutSeq = () => {
    outSeq = (outSeq + 1) >>> 0;
    if (outSeq === 0) outSeq = 1;
    return outSeq;
  };
  const nextRqSeq = () => {
    rqSeq = (rqSeq + 1) & 0x3f;
    if (rqSeq === 0) rqSeq = 1;
    return rqSeq;
  };

  const sign = (signed: Buffer) => packetAuthCode(suite, keys.k1, signed);

  const exchange = (
    netFn: number,
    cmd: number,
    data: Uint8Array,
    what: string,
    overrides: { deadline?: number; maxAttempts?: number } = {},
  ) => {
    const seq = nextRqSeq();
    const message = encodeRequest({ netFn, cmd, rqSeq: seq, data });
    return channel.exchange<IpmiResponse>({
      what,
      ...overrides,
      build: () =>
        encodeRmcpPlus(
          {
            payloadType: PayloadType.ipmi,
            encrypted: true,
            authenticated: true,
            sessionId: sidc,
            sequence: nextOutSeq(),
            payload: encryptPayload(keys.k2, message),
          },
          sign,
        ),
      match: (d) => {
        const p = decodeRmcpPlus(d, suite.authCodeLength);
        // An unauthenticated or unencrypted in-session packet is never trusted, whatever it says.
        if (!p || !p.encrypted || !p.authenticated || p.payloadType !== PayloadType.ipmi) return undefined;
        if (p.sessionId !== sidm || p.sequence === 0) return undefined;
        if (!constantTimeEqual(p.authCode, sign(p.signed))) return undefined;
        // Anti-replay: a packet the BMC numbered before the last one we accepted is stale.
        if (p.sequence <= lastInSeq) return undefined;
        const plain = decryptPayload(keys.k2, p.payload);
        const r = plain && decodeResponse(plain);
        if (!r || r.netFn !== netFn + 1 || r.cmd !== cmd || r.rqSeq !== seq) return undefined;
        lastInSeq = p.sequence;
        return r;
      },
    });
  };

  return {
    suite,
    async request(
      netFn,
      cmd,
      data = new Uint8Array(0),
      what = `IPMI command ${netFn.toString(16)}/${cmd.toString(16)}`,
    ) {
      if (closed) throw new BmcProtocolError(`${what} on a closed IPMI session to BMC ${params.target}`);
      try {
        return await exchange(netFn, cmd, data, what);
      } catch (err) {
        if (err instanceof BmcUnreachableError) silent = true;
        throw err;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // Within the caller's deadline only: a BMC that stopped answering gets no courtesy.
        const budget = Math.min(CLOSE_BUDGET_MS, params.attemptTimeoutMs, deadline - performance.now());
        if (!params.signal?.aborted && !silent && budget > 0) {
          const id = Buffer.alloc(4);
          id.writeUInt32LE(sidc);
          await exchange(APP_NETFN, CLOSE_SESSION, id, 'Close Session', {
            deadline: performance.now() + budget,
            maxAttempts: 1,
          });
        }
      } catch {
        // The session expires on the BMC by itself; failing to close it changes nothing for the caller.
      } finally {
        channel.close();
        keys.sik.fill(0);
        keys.k1.fill(0);
        keys.k2.fill(0);
      }
    },
  };
}

async function setPrivilege(session: IpmiSession, params: SessionParams): Promise<void> {
  const name = privilegeName(params.privilege);
  const r = await session.request(
    APP_NETFN,
    SET_SESSION_PRIVILEGE_LEVEL,
    Uint8Array.of(params.privilege),
    'Set Session Privilege Level',
  );
  if (r.completionCode === 0x80 || r.completionCode === 0x81 || r.completionCode === 0xd4) {
    throw new BmcPrivilegeError(
      `user ${params.username || '(null user)'} at BMC ${params.target} may not use the ${name} privilege level: completion code ${describeCompletionCode(r.completionCode)}`,
      {
        hint: 'give the IPMI user the administrator (or operator) privilege on this channel, or set privilege: operator',
      },
    );
  }
  if (r.completionCode !== 0) {
    throw new BmcProtocolError(
      `BMC ${params.target} refused Set Session Privilege Level ${name}: completion code ${describeCompletionCode(r.completionCode)}`,
    );
  }
  if (r.data[0] !== undefined && (r.data[0] & 0x0f) !== params.privilege) {
    throw new BmcPrivilegeError(
      `BMC ${params.target} granted ${privilegeName(r.data[0] & 0x0f)} instead of ${name} privilege`,
    );
  }
}

/**
 * Handshakes per session, within its deadline: each restart from Open Session costs 3 round
 * trips. With 10% loss each way a handshake is lost a third of the time; 8 tries make a lost
 * session rarer than one in a thousand.
 */
const MAX_HANDSHAKE_ROUNDS = 8;

/**
 * Opens a session, raises it to the configured privilege, runs `work`, and closes it
 * whatever happens. The whole thing, set-up included, is bounded by `timeoutMs`; each request
 * in it by `requestTimeoutMs`. A RAKP message lost on the way (or answered out of state)
 * restarts the handshake from Open Session, within the same deadline.
 */
export async function withSession<T>(params: SessionParams, work: (session: IpmiSession) => Promise<T>): Promise<T> {
  const deadline = performance.now() + params.timeoutMs;
  const channel = await openChannel({
    host: params.host,
    port: params.port,
    target: params.target,
    attemptTimeoutMs: params.attemptTimeoutMs,
    requestTimeoutMs: params.requestTimeoutMs ?? params.timeoutMs,
    deadline,
    ...(params.signal ? { signal: params.signal } : {}),
    ...(params.observer ? { observer: params.observer } : {}),
  });
  const kuid = userKey(params.password);
  const kg = params.kg && params.kg.length > 0 ? Buffer.from(params.kg) : undefined;
  let session: IpmiSession | undefined;
  try {
    const knowledge = suiteKnowledge(params.host, params.port);
    const ctx: HandshakeContext = {
      channel,
      target: params.target,
      credentials: { username: params.username, kuid },
      suites: params.suites,
      knowledge,
      privilege: params.privilege,
      attemptTimeoutMs: params.attemptTimeoutMs,
      ...(kg ? { kg } : {}),
    };
    await getChannelAuthCapabilities(ctx);
    // Asked once per BMC and process; "no list" is remembered too, so a BMC that ignores
    // the command costs its wait only on the first session.
    if (knowledge.listed === undefined) knowledge.listed = await getChannelCipherSuites(ctx);
    let established: EstablishedSession | undefined;
    for (let round = 1; !established; round++) {
      const opened = await openSession(ctx);
      try {
        established = await authenticate(ctx, opened, round);
      } catch (err) {
        if (!(err instanceof HandshakeLostError)) throw err;
        // The restart is ours to know about: callers (and ASL Retry rules) see the usual name.
        if (round >= MAX_HANDSHAKE_ROUNDS || performance.now() >= deadline)
          throw new BmcUnreachableError(`${err.message} (handshake tried ${round} times)`, {
            cause: err,
            hint: 'check that the BMC is reachable over UDP without heavy packet loss',
          });
      }
    }
    knowledge.established = established.suite.id;
    kuid.fill(0);
    kg?.fill(0);
    session = activeSession(channel, established, params, deadline);
    await setPrivilege(session, params);
    return await work(session);
  } finally {
    kuid.fill(0);
    kg?.fill(0);
    if (session) await session.close();
    else channel.close();
  }
}
