/**
 * Replays the six real sessions in test/fixtures/ipmi (ipmitool and an independent client
 * against ipmi_sim, suites 3 and 17): from the raw datagrams and the password alone we must
 * re-derive every key, verify every MAC, decrypt every payload and re-encode every packet
 * the console sent byte for byte.
 */
import { describe, expect, it } from '@jest/globals';
import { cipherSuite } from '../../../lib/fencing/ipmi/cipher-suites.js';
import {
  decryptPayload,
  deriveKeys,
  encryptPayload,
  packetAuthCode,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  sessionIntegrityKey,
  userKey,
} from '../../../lib/fencing/ipmi/crypto.js';
import { decodeResponse, encodeRequest } from '../../../lib/fencing/ipmi/message.js';
import { decodeRmcpPlus, decodeV15, encodeRmcpPlus, encodeV15, PayloadType } from '../../../lib/fencing/ipmi/packet.js';
import {
  decodeOpenSessionResponse,
  decodeRakp2,
  decodeRakp4,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRakp3,
} from '../../../lib/fencing/ipmi/rakp.js';
import { CAPTURE_PASSWORD, CAPTURE_USER, CAPTURES, loadCapture, type Frame } from '../../fixtures/ipmi/captures.js';

function framesOfType(frames: Frame[], type: number): Frame[] {
  return frames.filter((f) => f.raw[4] === 0x06 && ((f.raw[5] ?? 0) & 0x3f) === type && ((f.raw[5] ?? 0) & 0xc0) === 0);
}

function only(frames: Frame[], type: number): Frame {
  const [f] = framesOfType(frames, type);
  if (!f) throw new Error(`no frame of payload type ${type.toString(16)}`);
  return f;
}

function payloadOf(f: Frame): Buffer {
  const p = decodeRmcpPlus(f.raw);
  if (!p) throw new Error(`frame #${f.index} does not decode`);
  return p.payload;
}

describe.each(CAPTURES)('capture %s', (name) => {
  const cap = loadCapture(name);
  const suite = cipherSuite(cap.suite);
  const kuid = userKey(CAPTURE_PASSWORD);
  const username = Buffer.from(CAPTURE_USER);

  // Handshake values, taken from the packets.
  const openReqFrame = only(cap.frames, PayloadType.openSessionRequest);
  const openReq = payloadOf(openReqFrame);
  const sidm = openReq.readUInt32LE(4);
  const openRsp = decodeOpenSessionResponse(payloadOf(only(cap.frames, PayloadType.openSessionResponse)));
  const rakp1 = payloadOf(only(cap.frames, PayloadType.rakp1));
  const rm = rakp1.subarray(8, 24);
  const role = rakp1[24] ?? 0;
  const rakp2 = decodeRakp2(payloadOf(only(cap.frames, PayloadType.rakp2)), suite);
  const rakp3 = payloadOf(only(cap.frames, PayloadType.rakp3));
  const rakp4 = decodeRakp4(payloadOf(only(cap.frames, PayloadType.rakp4)), suite);
  const sidc = openRsp?.sidc ?? 0;
  const ctx = {
    sidm,
    sidc,
    rm,
    rc: rakp2?.rc ?? Buffer.alloc(16),
    guid: rakp2?.guid ?? Buffer.alloc(16),
    role,
    username,
  };

  it('decodes the Get Channel Authentication Capabilities exchange and re-encodes the request', () => {
    const [req, rsp] = cap.frames;
    expect(req?.raw).toEqual(
      encodeV15(encodeRequest({ netFn: 0x06, cmd: 0x38, rqSeq: 0, data: Uint8Array.of(0x8e, 0x04) })),
    );
    const decoded = rsp && decodeV15(rsp.raw);
    const msg = decoded && decodeResponse(decoded.message);
    expect(msg).toMatchObject({ netFn: 0x07, cmd: 0x38, rqSeq: 0, completionCode: 0 });
    expect([...(msg?.data ?? [])]).toEqual([0x01, 0x96, 0x04, 0x03, 0, 0, 0, 0]);
  });

  it('re-encodes the Open Session Request byte for byte and decodes the response', () => {
    expect(
      encodeRmcpPlus({
        payloadType: 0x10,
        encrypted: false,
        authenticated: false,
        sessionId: 0,
        sequence: 0,
        payload: encodeOpenSessionRequest({ tag: openReq[0] ?? 0, sidm, suite }),
      }),
    ).toEqual(openReqFrame.raw);
    expect(openRsp).toMatchObject({
      status: 0,
      sidm,
      auth: suite.auth,
      integrity: suite.integrity,
      confidentiality: suite.confidentiality,
    });
    expect(sidc).not.toBe(0);
  });

  it('re-encodes RAKP 1 and verifies the RAKP 2 key exchange auth code', () => {
    expect(role).toBe(0x14);
    expect(encodeRakp1({ tag: rakp1[0] ?? 0, sidc, rm, role, username })).toEqual(rakp1);
    expect(rakp2?.status).toBe(0);
    expect(rakp2?.authCode).toHaveLength(suite.rakpCodeLength);
    expect(rakp2AuthCode(suite, kuid, ctx)).toEqual(rakp2?.authCode);
    // A wrong password is only visible here.
    expect(rakp2AuthCode(suite, userKey('passworD'), ctx)).not.toEqual(rakp2?.authCode);
  });

  it('computes the RAKP 3 auth code the console sent', () => {
    const code = rakp3AuthCode(suite, kuid, ctx);
    expect(encodeRakp3({ tag: rakp3[0] ?? 0, status: 0, sidc, authCode: code })).toEqual(rakp3);
  });

  it('derives SIK, K1, K2 and verifies the RAKP 4 ICV', () => {
    const sik = sessionIntegrityKey(suite, kuid, ctx);
    expect(sik).toEqual(cap.sik);
    const keys = deriveKeys(suite, sik);
    expect(keys.k1).toEqual(cap.k1);
    expect(keys.k2).toEqual(cap.k2);
    expect(rakp4?.icv).toHaveLength(suite.icvLength);
    expect(rakp4Icv(suite, sik, ctx)).toEqual(rakp4?.icv);
  });

  const inSession = cap.frames.filter((f) => f.raw[4] === 0x06 && (f.raw[5] ?? 0) === 0xc0);

  it('has encrypted, authenticated in-session traffic', () => {
    expect(inSession.length).toBeGreaterThanOrEqual(4);
  });

  it.each(inSession.map((f) => [f.index, f] as const))(
    'frame #%i: AuthCode verifies, payload decrypts, console packets re-encode exactly',
    (_i, f) => {
      const p = decodeRmcpPlus(f.raw, suite.authCodeLength);
      expect(p).toBeDefined();
      if (!p) return;
      expect(p.sessionId).toBe(f.fromConsole ? sidc : sidm);
      expect(p.sequence).toBeGreaterThan(0);
      expect(packetAuthCode(suite, cap.k1, p.signed)).toEqual(p.authCode);
      expect(p.signed.length % 4).toBe(0);
      const plain = decryptPayload(cap.k2, p.payload);
      expect(plain).toBeDefined();
      if (!plain || !f.decrypted || !f.iv) throw new Error('annotation missing');
      expect(plain).toEqual(f.decrypted.subarray(0, plain.length));
      expect(p.payload.subarray(0, 16)).toEqual(f.iv);
      // Same key, same IV, same plaintext -> same ciphertext: our padding is IPMI's.
      expect(encryptPayload(cap.k2, plain, f.iv)).toEqual(p.payload);
      if (f.fromConsole) {
        const again = encodeRmcpPlus(
          {
            payloadType: 0,
            encrypted: true,
            authenticated: true,
            sessionId: sidc,
            sequence: p.sequence,
            payload: encryptPayload(cap.k2, plain, f.iv),
          },
          (signed) => packetAuthCode(suite, cap.k1, signed),
        );
        expect(again).toEqual(f.raw);
      } else {
        const r = decodeResponse(plain);
        expect(r).toBeDefined();
      }
    },
  );
});
