/**
 * RMCP+ session establishment: Get Channel Authentication Capabilities, Open Session
 * (trying the configured suites in order), RAKP 1–4 with both proofs verified.
 * Every failure becomes an error an operator can act on; none mentions a secret.
 */
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcProtocolError,
  BmcUnreachableError,
  UnsupportedCipherSuiteError,
} from '../errors.js';
import {
  parseCipherSuiteRecords,
  suiteForAlgorithms,
  type CipherSuite,
  type CipherSuiteRecord,
} from './cipher-suites.js';
import {
  constantTimeEqual,
  deriveKeys,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  randomNonce,
  randomSessionId,
  sessionIntegrityKey,
  type SessionKeys,
} from './crypto.js';
import { decodeResponse, describeCompletionCode, encodeRequest, type IpmiResponse } from './message.js';
import { proposalOrder, type SuiteKnowledge } from './negotiation.js';
import { decodeRmcpPlus, decodeV15, encodeRmcpPlus, encodeV15, PayloadType, sessionFormat } from './packet.js';
import { NAME_ONLY_LOOKUP, privilegeName } from './privilege.js';
import {
  decodeOpenSessionResponse,
  decodeRakp2,
  decodeRakp4,
  describeRakpStatus,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRakp3,
  isSuiteRefusal,
  RakpStatus,
  type OpenSessionResponse,
  type Rakp2,
  type Rakp4,
} from './rakp.js';
import type { Channel } from './transport.js';

export interface Credentials {
  /** ASCII user name, 0–16 bytes; empty means the BMC's null user. */
  username: string;
  /** Kuid, the password zero-padded to 20 bytes. The caller wipes it. */
  kuid: Buffer;
}

export interface HandshakeContext {
  channel: Channel;
  target: string;
  credentials: Credentials;
  /** The suites the configuration allows, in order of preference (S8: only 3 and 17 exist). */
  suites: readonly CipherSuite[];
  /** What this process already knows of the BMC's suites; updated as we learn. */
  knowledge: SuiteKnowledge;
  /** Privilege to ask for in RAKP 1 and later with Set Session Privilege Level. */
  privilege: number;
  /** The BMC key K_G when configured (the caller wipes it); used for SIK when the BMC has one set. */
  kg?: Buffer;
  /** Set by getChannelAuthCapabilities: the BMC says its K_G is not all zeros. */
  kgSet?: boolean;
  /** First retransmission wait; the RAKP steps wait it once, then twice it after a restart. */
  attemptTimeoutMs: number;
}

/**
 * RAKP 1 or RAKP 3 went unanswered, or was answered out of state. The BMC's half of the
 * handshake cannot be trusted to be where ours is (ipmi_sim answers a repeated RAKP 3 with a
 * RAKP 4 that does not verify), so the handshake restarts from Open Session, as ipmitool does.
 */
export class HandshakeLostError extends BmcUnreachableError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'HandshakeLostError';
  }
}

export interface EstablishedSession {
  suite: CipherSuite;
  sidm: number;
  sidc: number;
  keys: SessionKeys;
}

const APP_NETFN = 0x06;
const GET_CHANNEL_AUTH_CAPABILITIES = 0x38;
const GET_CHANNEL_CIPHER_SUITES = 0x54;
/** Channel number 0x0E = "the channel this request came in on". */
const CURRENT_CHANNEL = 0x0e;
/** Get Channel Cipher Suites returns 16 bytes of records per call, index 0–63. */
const RECORD_CHUNK = 16;
const MAX_LIST_INDEX = 0x3f;

function who(ctx: HandshakeContext): string {
  return ctx.credentials.username === '' ? 'the null user' : `user ${ctx.credentials.username}`;
}

function authFailed(ctx: HandshakeContext, detail: string): BmcAuthError {
  return new BmcAuthError(`authentication failed for ${who(ctx)} at BMC ${ctx.target}: ${detail}`, {
    hint: 'check the user name and password configured for this BMC (repeated failures may lock the account out for a while)',
  });
}

/** Pre-session probe: proves the BMC is alive and speaks RMCP+ before we spend a session slot. */
export async function getChannelAuthCapabilities(ctx: HandshakeContext): Promise<void> {
  const request = encodeV15(
    encodeRequest({
      netFn: APP_NETFN,
      cmd: GET_CHANNEL_AUTH_CAPABILITIES,
      rqSeq: 0,
      data: Uint8Array.of(0x8e, ctx.privilege),
    }),
  );
  const response = await ctx.channel.exchange({
    what: 'Get Channel Authentication Capabilities',
    build: () => request,
    match: (d) => {
      const packet = decodeV15(d);
      const r = packet && decodeResponse(packet.message);
      return r && r.netFn === APP_NETFN + 1 && r.cmd === GET_CHANNEL_AUTH_CAPABILITIES && r.rqSeq === 0 ? r : undefined;
    },
  });
  if (response.completionCode !== 0) {
    throw new BmcProtocolError(
      `BMC ${ctx.target} refused Get Channel Authentication Capabilities: completion code ${describeCompletionCode(response.completionCode)}`,
    );
  }
  const [, authTypes, status, extended] = response.data;
  if (authTypes === undefined || status === undefined || extended === undefined) {
    throw new BmcProtocolError(`BMC ${ctx.target} sent a truncated Get Channel Authentication Capabilities response`);
  }
  if ((authTypes & 0x80) === 0 || (extended & 0x02) === 0) {
    throw new UnsupportedCipherSuiteError(
      `BMC ${ctx.target} does not offer IPMI v2.0 (RMCP+), so no authenticated cipher suite is possible`,
      {
        hint: 'enable IPMI 2.0 / RMCP+ ("lanplus") in the BMC network settings',
      },
    );
  }
  // Byte 3 bit 5: the BMC's K_G is set, so SIK is keyed with it (spec 13.31).
  ctx.kgSet = (status & 0x20) !== 0;
  if (ctx.kgSet && !ctx.kg) {
    throw new BmcAuthError(`BMC ${ctx.target} has a BMC key (Kg) set and none is configured for it`, {
      hint: "set kg (a secret reference to the BMC key Kg, in hex) in this BMC's fencing entry, or clear the key on the BMC (ipmitool channel setkg)",
    });
  }
}

/**
 * Get Channel Cipher Suites (spec 22.15), before the session, as ipmitool does when no suite
 * is forced: the BMC's own list of suites. Sent in v1.5 format like Get Channel Authentication
 * Capabilities (ipmi_sim ignores it in RMCP+ format); the answer may come in either format
 * (pyghmi answers in RMCP+ format), so both are read. Returns null when the BMC gives no usable list (no
 * answer, an error code): the list is advice, and the configured order is then used.
 */
export async function getChannelCipherSuites(ctx: HandshakeContext): Promise<CipherSuiteRecord[] | null> {
  const data: number[] = [];
  for (let index = 0; index <= MAX_LIST_INDEX; index++) {
    const message = encodeRequest({
      netFn: APP_NETFN,
      cmd: GET_CHANNEL_CIPHER_SUITES,
      rqSeq: 0,
      data: Uint8Array.of(CURRENT_CHANNEL, PayloadType.ipmi, 0x80 | index),
    });
    const request = encodeV15(message);
    let response: IpmiResponse;
    try {
      response = await ctx.channel.exchange({
        what: 'Get Channel Cipher Suites',
        build: () => request,
        // Optional command: a BMC that ignores it must not cost a whole request timeout.
        maxAttempts: 2,
        match: (d) => {
          let inner: Buffer | undefined;
          if (sessionFormat(d) === 'v1.5') inner = decodeV15(d)?.message;
          else {
            const p = decodeRmcpPlus(d);
            if (p && !p.authenticated && !p.encrypted && p.payloadType === PayloadType.ipmi && p.sessionId === 0)
              inner = p.payload;
          }
          const r = inner && decodeResponse(inner);
          return r && r.netFn === APP_NETFN + 1 && r.cmd === GET_CHANNEL_CIPHER_SUITES && r.rqSeq === 0 ? r : undefined;
        },
      });
    } catch (err) {
      if (err instanceof BmcUnreachableError && !ctx.channel.aborted) return null;
      throw err;
    }
    if (response.completionCode !== 0) return null;
    const chunk = response.data.subarray(1);
    data.push(...chunk);
    if (chunk.length < RECORD_CHUNK) break;
  }
  const records = parseCipherSuiteRecords(Uint8Array.from(data));
  return records.length > 0 ? records : null;
}

interface OpenedSuite {
  suite: CipherSuite;
  sidm: number;
  sidc: number;
}

let tagCounter = 0;
function nextTag(): number {
  tagCounter = (tagCounter + 1) & 0xff;
  return tagCounter;
}

function matchPreSession<T extends { tag: number; status: number; sidm: number }>(
  datagram: Buffer,
  payloadType: number,
  decode: (payload: Buffer) => T | undefined,
  tag: number,
  sidm: number,
): T | undefined {
  const p = decodeRmcpPlus(datagram);
  if (!p || p.authenticated || p.encrypted || p.payloadType !== payloadType || p.sessionId !== 0) return undefined;
  const m = decode(p.payload);
  if (!m || m.tag !== tag) return undefined;
  // Some BMCs zero SIDm in an error reply; a success must name our session.
  if (m.sidm !== sidm && !(m.status !== 0 && m.sidm === 0)) return undefined;
  return m;
}

async function openSessionWith(
  ctx: HandshakeContext,
  suite: CipherSuite,
): Promise<OpenSessionResponse & { sidm: number }> {
  const sidm = randomSessionId();
  const tag = nextTag();
  const request = encodeRmcpPlus({
    payloadType: PayloadType.openSessionRequest,
    encrypted: false,
    authenticated: false,
    sessionId: 0,
    sequence: 0,
    payload: encodeOpenSessionRequest({ tag, sidm, suite }),
  });
  const response = await ctx.channel.exchange({
    what: `Open Session (cipher suite ${suite.id})`,
    build: () => request,
    match: (d) => matchPreSession(d, PayloadType.openSessionResponse, decodeOpenSessionResponse, tag, sidm),
  });
  return { ...response, sidm };
}

function privilegeRefused(ctx: HandshakeContext, detail: string): BmcPrivilegeError {
  return new BmcPrivilegeError(
    `${who(ctx)} at BMC ${ctx.target} may not open a session at ${privilegeName(ctx.privilege)} privilege: ${detail}`,
    {
      hint: 'give the IPMI user the administrator (or operator) privilege on this channel, or set privilege: operator',
    },
  );
}

/**
 * Proposes the allowed suites in the order `proposalOrder` gives; only a BMC that refuses the
 * algorithms moves us to the next. An answer with another allowed suite's algorithms is taken
 * as that suite; an answer with any other algorithms is refused (S8).
 */
export async function openSession(ctx: HandshakeContext): Promise<OpenedSuite> {
  const refusals: string[] = [];
  const order = proposalOrder(ctx.suites, ctx.knowledge, ctx.target);
  for (const suite of order) {
    const r = await openSessionWith(ctx, suite);
    if (r.status === RakpStatus.ok) {
      const chosen = suiteForAlgorithms(ctx.suites, r);
      if (!chosen) {
        throw new BmcProtocolError(
          `BMC ${ctx.target} answered Open Session (cipher suite ${suite.id} proposed) with algorithms ${r.auth}/${r.integrity}/${r.confidentiality} (authentication/integrity/confidentiality), which are not an allowed suite: refused`,
          { hint: 'the allowed suites are 17 and 3; suites without authentication or integrity are never used (S8)' },
        );
      }
      if (!r.sidc) throw new BmcProtocolError(`BMC ${ctx.target} answered Open Session with a zero session ID`);
      return { suite: chosen, sidm: r.sidm, sidc: r.sidc };
    }
    if (isSuiteRefusal(r.status)) {
      if (ctx.knowledge.established === suite.id) delete ctx.knowledge.established;
      refusals.push(`suite ${suite.id}: ${describeRakpStatus(r.status)}`);
      continue;
    }
    if (r.status === RakpStatus.insufficientResources || r.status === RakpStatus.insufficientResourcesForRole) {
      throw new BmcUnreachableError(`BMC ${ctx.target} has no free session slot: ${describeRakpStatus(r.status)}`, {
        hint: 'abandoned sessions expire after about a minute; retry later',
      });
    }
    if (r.status === RakpStatus.invalidRole || r.status === RakpStatus.unauthorizedRole) {
      throw privilegeRefused(ctx, describeRakpStatus(r.status));
    }
    throw new BmcProtocolError(`BMC ${ctx.target} refused Open Session: ${describeRakpStatus(r.status)}`);
  }
  throw new UnsupportedCipherSuiteError(
    `BMC ${ctx.target} accepts none of the allowed IPMI cipher suites (${order.map((s) => s.id).join(', ')}): ${refusals.join('; ')}`,
    { hint: 'enable cipher suite 17 or 3 on the BMC (suites without authentication and integrity are never used)' },
  );
}

function rakpFailure(ctx: HandshakeContext, step: string, status: number): Error {
  switch (status) {
    case RakpStatus.unauthorizedName:
      return authFailed(ctx, `the BMC does not know this user (${step}: ${describeRakpStatus(status)})`);
    case RakpStatus.invalidIntegrityCheckValue:
      return authFailed(ctx, `the BMC rejected our proof of the password (${step}: ${describeRakpStatus(status)})`);
    case RakpStatus.invalidRole:
    case RakpStatus.unauthorizedRole:
      return privilegeRefused(ctx, `${step}: ${describeRakpStatus(status)}`);
    case RakpStatus.insufficientResources:
    case RakpStatus.insufficientResourcesForRole:
      return new BmcUnreachableError(`BMC ${ctx.target} has no free session slot: ${describeRakpStatus(status)}`, {
        hint: 'abandoned sessions expire after about a minute; retry later',
      });
    default:
      return new BmcProtocolError(`BMC ${ctx.target} refused ${step}: ${describeRakpStatus(status)}`);
  }
}

/** RAKP 1–4: mutual proof of the password and derivation of SIK, K1, K2. */
// eslint-disable-next-line max-lines-per-function -- RAKP 1–4 in the order of IPMI v2.0 §13.20–13.23, each message built and checked where the spec defines it
export async function authenticate(ctx: HandshakeContext, opened: OpenedSuite, round = 1): Promise<EstablishedSession> {
  const { suite, sidm, sidc } = opened;
  const username = Buffer.from(ctx.credentials.username, 'latin1');
  const role = ctx.privilege | NAME_ONLY_LOOKUP;
  const rm = randomNonce();
  const tag = nextTag();

  const rakp1 = encodeRmcpPlus({
    payloadType: PayloadType.rakp1,
    encrypted: false,
    authenticated: false,
    sessionId: 0,
    sequence: 0,
    payload: encodeRakp1({ tag, sidc, rm, role, username }),
  });
  // The BMC never says "wrong password": it answers normally and only its HMAC tells. A
  // mismatching RAKP 2 is set aside rather than believed at once, so one corrupted or
  // spoofed datagram cannot pass for a wrong password; if no genuine one follows within
  // the attempt, the mismatch is the answer.
  let mismatch = false;
  // One attempt per round: a repeated RAKP message finds the BMC in another state than the
  // first did, so a lost one restarts the handshake (HandshakeLostError) instead.
  // The wait doubles after the first round, for a BMC slower than one attempt timeout.
  const once = { maxAttempts: 1, attemptTimeoutMs: ctx.attemptTimeoutMs * Math.min(round, 2) };
  const rakp2: Rakp2 = await lostIsRestart(
    ctx,
    ctx.channel.exchange({
      what: 'RAKP message 1',
      ...once,
      build: () => rakp1,
      match: (d) => {
        const m = matchPreSession(d, PayloadType.rakp2, (p) => decodeRakp2(p, suite), tag, sidm);
        if (!m || m.status !== RakpStatus.ok) return m;
        if (!m.rc || !m.guid || !m.authCode) return undefined;
        const code = rakp2AuthCode(suite, ctx.credentials.kuid, {
          sidm,
          sidc,
          rm,
          rc: m.rc,
          guid: m.guid,
          role,
          username,
        });
        if (constantTimeEqual(m.authCode, code)) return m;
        mismatch = true;
        return undefined;
      },
      verdict: () =>
        mismatch ? authFailed(ctx, 'the password does not match (RAKP 2 key exchange code mismatch)') : undefined,
    }),
  );
  if (rakp2.status !== RakpStatus.ok || !rakp2.rc || !rakp2.guid || !rakp2.authCode) {
    if (outOfState(rakp2.status)) throw lost(ctx, 'RAKP 1', rakp2.status);
    throw rakpFailure(ctx, 'RAKP 1', rakp2.status);
  }
  const context = { sidm, sidc, rm, rc: rakp2.rc, guid: rakp2.guid, role, username };

  const rakp3 = encodeRmcpPlus({
    payloadType: PayloadType.rakp3,
    encrypted: false,
    authenticated: false,
    sessionId: 0,
    sequence: 0,
    payload: encodeRakp3({ tag, status: 0, sidc, authCode: rakp3AuthCode(suite, ctx.credentials.kuid, context) }),
  });
  // SIK is keyed with K_G when the BMC has one set, else with Kuid (spec 13.31); the RAKP
  // auth codes above are always keyed with Kuid.
  const sik = sessionIntegrityKey(suite, ctx.kgSet && ctx.kg ? ctx.kg : ctx.credentials.kuid, context);
  const icv = rakp4Icv(suite, sik, context);
  let badIcv = false;
  try {
    const rakp4: Rakp4 = await lostIsRestart(
      ctx,
      ctx.channel.exchange({
        what: 'RAKP message 3',
        ...once,
        build: () => rakp3,
        match: (d) => {
          const m = matchPreSession(d, PayloadType.rakp4, (p) => decodeRakp4(p, suite), tag, sidm);
          if (!m || m.status !== RakpStatus.ok) return m;
          if (m.icv && constantTimeEqual(m.icv, icv)) return m;
          badIcv = true;
          return undefined;
        },
        verdict: () =>
          badIcv
            ? new BmcProtocolError(`BMC ${ctx.target} sent a RAKP 4 integrity check value that does not verify`, {
                hint: ctx.kgSet
                  ? 'check the kg configured for this BMC'
                  : 'the BMC may use a BMC key (Kg) or a non-standard key derivation',
              })
            : undefined,
      }),
    );
    if (rakp4.status !== RakpStatus.ok) {
      if (outOfState(rakp4.status)) throw lost(ctx, 'RAKP 3', rakp4.status);
      throw rakpFailure(ctx, 'RAKP 3', rakp4.status);
    }
  } catch (err) {
    sik.fill(0);
    throw err;
  }
  return { suite, sidm, sidc, keys: deriveKeys(suite, sik) };
}

/** Statuses by which the BMC says it no longer has our half-open session. */
function outOfState(status: number): boolean {
  return status === RakpStatus.invalidSessionId || status === RakpStatus.inactiveSessionId;
}

function lost(ctx: HandshakeContext, step: string, status: number): HandshakeLostError {
  return new HandshakeLostError(`BMC ${ctx.target} answered ${step} out of state: ${describeRakpStatus(status)}`);
}

/** A RAKP step left unanswered becomes a restart of the handshake; every other error stays what it is. */
async function lostIsRestart<T>(ctx: HandshakeContext, exchange: Promise<T>): Promise<T> {
  try {
    return await exchange;
  } catch (err) {
    if (err instanceof BmcUnreachableError && !ctx.channel.aborted) {
      throw new HandshakeLostError(err.message, { cause: err });
    }
    throw err;
  }
}
