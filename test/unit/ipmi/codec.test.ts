/**
 * The worked examples of PROTOCOL.md §4, §6, §8 and §9 as explicit vectors, plus the
 * framing rules around them (checksums, pads, malformed input).
 */
import { describe, expect, it } from '@jest/globals';
import { UserInputError } from '../../../lib/errors.js';
import { PowerStateUnknownError } from '../../../lib/fencing/errors.js';
import { parseChassisStatus, powerStateOf } from '../../../lib/fencing/ipmi/chassis.js';
import { cipherSuite } from '../../../lib/fencing/ipmi/cipher-suites.js';
import {
  constantTimeEqual,
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
import { checksum, decodeResponse, describeCompletionCode, encodeRequest } from '../../../lib/fencing/ipmi/message.js';
import { decodeRmcpPlus, encodeRmcpPlus, integrityPadLength } from '../../../lib/fencing/ipmi/packet.js';
import { decodeOpenSessionResponse, decodeRakp2, decodeRakp4 } from '../../../lib/fencing/ipmi/rakp.js';
import { parseIpmiAddress, resolveIpmiSettings } from '../../../lib/fencing/ipmi/settings.js';
import type { ResolvedIpmiBmc } from '../../../lib/fencing/fencer.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const EXAMPLES = {
  3: {
    sidm: 0xa0a2a3a4,
    sidc: 0x00000302,
    rm: h('4a d3 77 0f ad cc ba 99 eb f1 5c 6e a2 97 e1 79'),
    rc: h('de d7 c7 26 1a 2d a2 32 54 ae ad 4d b7 b5 64 76'),
    rakp2: h('31 3d 9e b5 16 53 59 c4 8e 5c 10 f0 f3 56 d5 5b 28 63 b6 97'),
    rakp3: h('f4 cc f4 9f b2 2d 52 7c da 24 84 c4 02 ab 39 56 22 0a 60 c5'),
    sik: h('25 71 c7 3a 3d 75 b9 f3 76 68 a6 a4 fc 32 d7 06 53 0b 18 30'),
    k1: h('54 86 a5 da 11 cf 59 a6 0b 9c a6 45 73 05 d5 4d d7 e6 78 31'),
    k2: h('fe 5d 1b 0e aa 96 e7 07 3e c8 11 eb 5f a0 10 23 94 3b d9 cd'),
    icv: h('c1 51 f3 10 90 ec f2 d7 57 a8 15 89'),
  },
  17: {
    sidm: 0xa0a2a3a4,
    sidc: 0x00000c82,
    rm: h('70 88 52 4e 8f 97 d6 5a 13 a7 5a 63 ca 30 e9 b0'),
    rc: h('e9 6a 39 81 bb d7 8d ab cd 6e b8 89 ca d1 35 7f'),
    rakp2: h('53 a2 98 ca 9c 64 04 41 1f d9 90 f5 d3 9d c4 54 06 dd b6 cd 04 95 fd 62 ba c1 3b 9e 0f 0c 67 c5'),
    rakp3: h('a3 bb be d6 9a 23 05 79 06 fd aa 09 3b c9 f8 9d f9 46 b3 92 91 92 f1 a1 61 f0 b5 5f 27 11 1c f9'),
    sik: h('f3 e4 55 e8 b7 73 29 78 0a 9f 4b 90 7f 1e d9 84 0e de 81 b9 7c 1e 78 8b 9c 63 c8 ab 02 de 01 71'),
    k1: h('7f 8d 09 19 9a e9 df f5 ef 82 34 fe a9 e3 1e 79 5e 90 af 0b 96 8e 1e f0 0e 78 a7 3f af 6d 00 a4'),
    k2: h('e0 51 97 03 30 53 43 38 99 84 48 cb ed 85 60 dc b7 8e a3 b3 8c dc 33 d5 02 80 0b be d0 61 0e e9'),
    icv: h('2c 65 82 f1 c6 1c 86 47 cc 22 6f a2 b5 4a 49 54'),
  },
} as const;
const GUID = h('a1 23 45 67 89 ab cd ef 00 00 00 00 00 00 00 01');

describe.each([3, 17] as const)('key exchange, worked example of suite %i (PROTOCOL.md §6)', (id) => {
  const suite = cipherSuite(id);
  const ex = EXAMPLES[id];
  const ctx = {
    sidm: ex.sidm,
    sidc: ex.sidc,
    rm: ex.rm,
    rc: ex.rc,
    guid: GUID,
    role: 0x14,
    username: Buffer.from('admin'),
  };
  const kuid = userKey('password');

  it('RAKP 2 and RAKP 3 auth codes are full-length HMACs keyed with the password', () => {
    expect(rakp2AuthCode(suite, kuid, ctx)).toEqual(ex.rakp2);
    expect(rakp3AuthCode(suite, kuid, ctx)).toEqual(ex.rakp3);
  });

  it('SIK, K1 (20-byte constant even for SHA-256), K2 and the truncated RAKP 4 ICV', () => {
    const sik = sessionIntegrityKey(suite, kuid, ctx);
    expect(sik).toEqual(ex.sik);
    const keys = deriveKeys(suite, sik);
    expect(keys.k1).toEqual(ex.k1);
    expect(keys.k2).toEqual(ex.k2);
    expect(rakp4Icv(suite, sik, ctx)).toEqual(ex.icv);
  });

  it('zero padding of the password changes nothing; a NUL-free wrong password does', () => {
    expect(rakp2AuthCode(suite, Buffer.from('password'), ctx)).toEqual(ex.rakp2);
    expect(rakp2AuthCode(suite, userKey('password1'), ctx)).not.toEqual(ex.rakp2);
  });
});

describe('IPMI messages (PROTOCOL.md §4)', () => {
  it('encodes Set Session Privilege Level (ADMINISTRATOR) as in the capture', () => {
    expect(encodeRequest({ netFn: 0x06, cmd: 0x3b, rqSeq: 1, data: Uint8Array.of(0x04) })).toEqual(
      h('20 18 c8 81 04 3b 04 3c'),
    );
    expect(encodeRequest({ netFn: 0x00, cmd: 0x02, rqSeq: 6, data: Uint8Array.of(0x00) })).toEqual(
      h('20 00 e0 81 18 02 00 65'),
    );
  });

  it('decodes responses and rejects bad checksums, addresses and short input', () => {
    const ok = h('81 1c 63 20 04 3b 00 04 9d');
    expect(decodeResponse(ok)).toMatchObject({ netFn: 0x07, cmd: 0x3b, rqSeq: 1, completionCode: 0 });
    expect([...(decodeResponse(ok)?.data ?? [])]).toEqual([0x04]);
    expect(decodeResponse(h('81 1c 64 20 04 3b 00 04 9d'))).toBeUndefined();
    expect(decodeResponse(h('81 1c 63 20 04 3b 00 04 9e'))).toBeUndefined();
    expect(decodeResponse(h('20 18 c8 81 04 3b 04 3c'))).toBeUndefined();
    expect(decodeResponse(h('81 1c 63 20 04 3b 00'))).toBeUndefined();
  });

  it('checksums are two-complement', () => {
    expect(checksum(h('20 18'), 0, 2)).toBe(0xc8);
    expect(describeCompletionCode(0xd4)).toBe('0xD4 (insufficient privilege)');
    expect(describeCompletionCode(0x42)).toBe('0x42');
  });
});

describe('AES-CBC-128 with the IPMI pad (PROTOCOL.md §8)', () => {
  const k2 = EXAMPLES[3].k2;
  const iv = h('44 d6 87 07 3c f7 31 66 e0 47 aa 30 6f 7f 53 64');

  it('encrypts frame #19 of cs3-power-off exactly', () => {
    expect(encryptPayload(k2, h('20 00 e0 81 18 02 00 65'), iv)).toEqual(
      Buffer.concat([iv, h('58 50 b8 f0 5e 8a c2 f7 ab 10 0a 5e 33 83 cd 5a')]),
    );
  });

  it('pads 1..n, n to a 16-byte multiple and round-trips every length', () => {
    for (let n = 0; n <= 40; n++) {
      const plain = Buffer.alloc(n, 0xab);
      const enc = encryptPayload(k2, plain);
      expect((enc.length - 16) % 16).toBe(0);
      expect(decryptPayload(k2, enc)).toEqual(plain);
    }
  });

  it('uses a fresh IV for every packet', () => {
    const a = encryptPayload(k2, h('00'));
    const b = encryptPayload(k2, h('00'));
    expect(a.subarray(0, 16)).not.toEqual(b.subarray(0, 16));
  });

  it('rejects a bad pad, a short or misaligned ciphertext', () => {
    expect(decryptPayload(k2, Buffer.alloc(16))).toBeUndefined();
    expect(decryptPayload(k2, Buffer.alloc(33))).toBeUndefined();
    // Random blocks almost never decrypt to a valid 1..n,n pad; try until one does not.
    const junk = Buffer.concat([iv, h('00112233445566778899aabbccddeeff')]);
    const out = decryptPayload(k2, junk);
    if (out !== undefined) expect(out.length).toBeLessThan(16);
  });
});

describe('RMCP+ integrity trailer (PROTOCOL.md §9)', () => {
  const suite = cipherSuite(3);
  const k1 = EXAMPLES[3].k1;
  const frame19 = h(
    '06 00 ff 07 06 c0 02 03 00 00 08 00 00 00 20 00 44 d6 87 07 3c f7 31 66 e0 47 aa 30 6f 7f 53 64 58 50 b8 f0 5e 8a c2 f7 ab 10 0a 5e 33 83 cd 5a ff ff 02 07 47 af b0 3c 5e 27 e8 f1 3f 0e b6 0f',
  );

  it('pads auth type .. next header to a multiple of 4', () => {
    expect(integrityPadLength(32)).toBe(2);
    expect(integrityPadLength(48)).toBe(2);
    expect(integrityPadLength(33)).toBe(1);
    expect(integrityPadLength(34)).toBe(0);
    expect(integrityPadLength(35)).toBe(3);
  });

  it('decodes frame #19 and its HMAC-SHA1-96 verifies with K1 (not SIK)', () => {
    const p = decodeRmcpPlus(frame19, 12);
    expect(p).toMatchObject({ payloadType: 0, encrypted: true, authenticated: true, sessionId: 0x302, sequence: 8 });
    if (!p) return;
    expect(constantTimeEqual(packetAuthCode(suite, k1, p.signed), p.authCode)).toBe(true);
    expect(constantTimeEqual(packetAuthCode(suite, EXAMPLES[3].sik, p.signed), p.authCode)).toBe(false);
    const again = encodeRmcpPlus(
      { payloadType: 0, encrypted: true, authenticated: true, sessionId: 0x302, sequence: 8, payload: p.payload },
      (s) => packetAuthCode(suite, k1, s),
    );
    expect(again).toEqual(frame19);
  });

  it('rejects broken trailers, lengths and headers', () => {
    expect(decodeRmcpPlus(frame19.subarray(0, frame19.length - 1), 12)).toBeUndefined();
    expect(decodeRmcpPlus(frame19, 16)).toBeUndefined();
    expect(decodeRmcpPlus(frame19, 0)).toBeUndefined();
    const badPad = Buffer.from(frame19);
    badPad[48] = 0xfe;
    expect(decodeRmcpPlus(badPad, 12)).toBeUndefined();
    const badNext = Buffer.from(frame19);
    badNext[51] = 0x06;
    expect(decodeRmcpPlus(badNext, 12)).toBeUndefined();
    const badRmcp = Buffer.from(frame19);
    badRmcp[2] = 0x00;
    expect(decodeRmcpPlus(badRmcp, 12)).toBeUndefined();
    const oem = Buffer.from(frame19);
    oem[5] = 0xc2;
    expect(decodeRmcpPlus(oem, 12)).toBeUndefined();
  });

  it('an authenticated packet cannot be built without a signer, nor an unauthenticated one with it', () => {
    expect(() =>
      encodeRmcpPlus({
        payloadType: 0,
        encrypted: false,
        authenticated: true,
        sessionId: 1,
        sequence: 1,
        payload: Buffer.alloc(1),
      }),
    ).toThrow(TypeError);
    expect(() =>
      encodeRmcpPlus(
        { payloadType: 0, encrypted: false, authenticated: false, sessionId: 1, sequence: 1, payload: Buffer.alloc(1) },
        () => Buffer.alloc(12),
      ),
    ).toThrow(TypeError);
  });
});

describe('pre-session replies', () => {
  it('accepts the 2-byte error form ipmi_sim sends for a refused suite', () => {
    expect(decodeOpenSessionResponse(h('01 04'))).toEqual({ tag: 1, status: 4, sidm: 0 });
    expect(decodeOpenSessionResponse(h('01'))).toBeUndefined();
    expect(decodeOpenSessionResponse(h('01 00 00 00 a4 a3 a2 a0'))).toBeUndefined();
  });

  it('checks RAKP 2 and RAKP 4 lengths against the suite', () => {
    const s3 = cipherSuite(3);
    const s17 = cipherSuite(17);
    const rakp2 = Buffer.concat([h('00 00 00 00 a4 a3 a2 a0'), Buffer.alloc(32), Buffer.alloc(20)]);
    expect(decodeRakp2(rakp2, s3)?.authCode).toHaveLength(20);
    expect(decodeRakp2(rakp2, s17)).toBeUndefined();
    expect(decodeRakp2(h('00 0d 00 00 a4 a3 a2 a0'), s3)).toEqual({ tag: 0, status: 0x0d, sidm: 0xa0a2a3a4 });
    const rakp4 = Buffer.concat([h('00 00 00 00 a4 a3 a2 a0'), Buffer.alloc(16)]);
    expect(decodeRakp4(rakp4, s17)?.icv).toHaveLength(16);
    expect(decodeRakp4(rakp4, s3)).toBeUndefined();
  });
});

describe('chassis status', () => {
  it('reads bit 0 as power and refuses an "off" with a power control fault', () => {
    expect(powerStateOf(parseChassisStatus(h('01 00 00'))!, 'bmc')).toBe('on');
    expect(powerStateOf(parseChassisStatus(h('00 00 00 00'))!, 'bmc')).toBe('off');
    expect(powerStateOf(parseChassisStatus(h('09 00 00'))!, 'bmc')).toBe('on');
    expect(() => powerStateOf(parseChassisStatus(h('10 00 00'))!, 'bmc')).toThrow(PowerStateUnknownError);
    expect(parseChassisStatus(h('01 00'))).toBeUndefined();
    expect(parseChassisStatus(h('41 00 00'))?.restorePolicy).toBe('always-on');
    expect(parseChassisStatus(h('21 00 00'))?.restorePolicy).toBe('previous');
  });
});

describe('settings', () => {
  const bmc = (over: Partial<ResolvedIpmiBmc>): ResolvedIpmiBmc => ({
    driver: 'ipmi',
    address: '10.0.0.5',
    username: 'admin',
    password: 'secret',
    host: 'compute-1',
    requestTimeoutMs: 5000,
    privilege: 'administrator',
    ...over,
  });

  it('parses host, host:port, [v6]:port and bare IPv6', () => {
    expect(parseIpmiAddress('10.0.0.5')).toEqual({ host: '10.0.0.5', port: 623 });
    expect(parseIpmiAddress('bmc-1.example:6231')).toEqual({ host: 'bmc-1.example', port: 6231 });
    expect(parseIpmiAddress('[fd00::5]:624')).toEqual({ host: 'fd00::5', port: 624 });
    expect(parseIpmiAddress('fd00::5')).toEqual({ host: 'fd00::5', port: 623 });
    for (const bad of ['', ':623', 'h:0', 'h:65536', 'h:x', 'http://h', '[::1]:x'])
      expect(() => parseIpmiAddress(bad)).toThrow(UserInputError);
  });

  it('derives a 1 s retransmission timeout from the 5 s request budget, and defaults to suites 17 then 3', () => {
    const s = resolveIpmiSettings(bmc({}));
    expect(s.attemptTimeoutMs).toBe(1000);
    expect(s.requestTimeoutMs).toBe(5000);
    // Without an operation timeout, a session gets four requests' worth.
    expect(s.timeoutMs).toBe(20000);
    expect(resolveIpmiSettings(bmc({ operationTimeoutMs: 12000 })).timeoutMs).toBe(12000);
    // Never shorter than one request.
    expect(resolveIpmiSettings(bmc({ operationTimeoutMs: 1000 })).timeoutMs).toBe(5000);
    expect(s.suites.map((x) => x.id)).toEqual([17, 3]);
    expect(s.privilege).toBe(4);
    expect(resolveIpmiSettings(bmc({ privilege: 'operator', requestTimeoutMs: 800 }))).toMatchObject({
      privilege: 3,
      attemptTimeoutMs: 200,
    });
  });

  it('refuses what IPMI cannot carry, without echoing the password', () => {
    expect(() => resolveIpmiSettings(bmc({ address: undefined }))).toThrow(UserInputError);
    expect(() => resolveIpmiSettings(bmc({ username: 'a-very-long-user-name' }))).toThrow(UserInputError);
    let err: unknown;
    try {
      resolveIpmiSettings(bmc({ password: 'x'.repeat(21) }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserInputError);
    expect(String((err as Error).message)).not.toContain('x'.repeat(21));
  });

  it('Kg: hex of 1 to 20 bytes, refused otherwise without echoing it', () => {
    expect(resolveIpmiSettings(bmc({ kg: '0x' + '0a'.repeat(20) })).kg).toEqual(Buffer.alloc(20, 0x0a));
    expect(resolveIpmiSettings(bmc({ kg: 'abcd' })).kg).toEqual(Buffer.from([0xab, 0xcd]));
    expect(resolveIpmiSettings(bmc({})).kg).toBeUndefined();
    for (const bad of ['not-hex-secret', 'abc', '00'.repeat(21), '']) {
      let err: unknown;
      try {
        resolveIpmiSettings(bmc({ kg: bad }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserInputError);
      if (bad) expect(String((err as Error).message)).not.toContain(bad);
    }
  });
});
