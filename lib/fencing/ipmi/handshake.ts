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
import type { CipherSuite } from './cipher-suites.js';
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
import { decodeResponse, describeCompletionCode, encodeRequest } from './message.js';
import { decodeRmcpPlus, decodeV15, encodeRmcpPlus, encodeV15, PayloadType } from './packet.js';
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
  suites: readonly CipherSuite[];
  /** Privilege to ask for in RAKP 1 and later with Set Session Privilege Level. */
  privilege: number;
}

export interface EstablishedSession {
  suite: CipherSuite;
  sidm: number;
  sidc: number;
  keys: SessionKeys;
}

const APP_NETFN = 0x06;
const GET_CHANNEL_AUTH_CAPABILITIES = 0x38;

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
  if ((status & 0x20) !== 0) {
    throw new BmcAuthError(`BMC ${ctx.target} requires a BMC key (Kg), which freezer-dr does not support`, {
      hint: 'clear the BMC key (Kg) in the BMC settings (ipmitool channel setkg)',
    });
  }
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

/** Tries each suite in order; only a BMC that refuses the algorithms moves us to the next. */
export async function openSession(ctx: HandshakeContext): Promise<OpenedSuite> {
  const refusals: string[] = [];
  for (const suite of ctx.suites) {
    const r = await openSessionWith(ctx, suite);
    if (r.status === RakpStatus.ok) {
      if (r.auth !== suite.auth || r.integrity !== suite.integrity || r.confidentiality !== suite.confidentiality) {
        throw new BmcProtocolError(
          `BMC ${ctx.target} answered Open Session with algorithms other than the cipher suite ${suite.id} we proposed`,
        );
      }
      if (!r.sidc) throw new BmcProtocolError(`BMC ${ctx.target} answered Open Session with a zero session ID`);
      return { suite, sidm: r.sidm, sidc: r.sidc };
    }
    if (isSuiteRefusal(r.status)) {
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
    `BMC ${ctx.target} accepts none of the allowed IPMI cipher suites (${ctx.suites.map((s) => s.id).join(', ')}): ${refusals.join('; ')}`,
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
export async function authenticate(ctx: HandshakeContext, opened: OpenedSuite): Promise<EstablishedSession> {
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
  const rakp2: Rakp2 = await ctx.channel.exchange({
    what: 'RAKP message 1',
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
  });
  if (rakp2.status !== RakpStatus.ok || !rakp2.rc || !rakp2.guid || !rakp2.authCode) {
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
  const sik = sessionIntegrityKey(suite, ctx.credentials.kuid, context);
  const icv = rakp4Icv(suite, sik, context);
  let badIcv = false;
  try {
    const rakp4: Rakp4 = await ctx.channel.exchange({
      what: 'RAKP message 3',
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
              hint: 'the BMC may use a BMC key (Kg) or a non-standard key derivation',
            })
          : undefined,
    });
    if (rakp4.status !== RakpStatus.ok) throw rakpFailure(ctx, 'RAKP 3', rakp4.status);
  } catch (err) {
    sik.fill(0);
    throw err;
  }
  return { suite, sidm, sidc, keys: deriveKeys(suite, sik) };
}
