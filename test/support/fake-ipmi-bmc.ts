/**
 * A small fake IPMI v2.0 BMC over UDP for tests: the parts of RMCP+ a fencing client uses,
 * with suite 17 (which stock ipmi_sim refuses) as well as 3, per-user privilege enforced as
 * real BMCs do, and knobs for misbehaviour (silence, drops, garbage, bad HMACs).
 *
 * The server side is written from PROTOCOL.md independently of lib/fencing/ipmi (its own
 * framing and HMACs on node:crypto), so a client bug is not mirrored here. It records every
 * datagram and every Open Session proposal so tests can assert on what went on the wire.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';

export type FakePrivilege = 'user' | 'operator' | 'administrator';

export interface FakeBmcUser {
  name: string;
  password: string;
  privilege?: FakePrivilege;
}

export interface FakeBmcOptions {
  users?: FakeBmcUser[];
  /** Cipher suites the BMC accepts. Defaults to [3, 17]. */
  suites?: number[];
  poweredOn?: boolean;
  /**
   * Where a role above the user's maximum is refused: in RAKP 2 (status 0x09, invalid role)
   * or later, by Set Session Privilege Level (completion code 0x81). Defaults to 'rakp'.
   */
  privilegeCheck?: 'rakp' | 'set-privilege';
  /** Power down is acknowledged and does nothing. */
  ignorePowerOff?: boolean;
  /** Never answer anything. */
  silent?: boolean;
  /** Drop this many datagrams before answering (to exercise retransmission). */
  dropFirst?: number;
  /** Drop this many in-session requests after decoding them (recorded with dropped: true). */
  dropInSession?: number;
  /** Before every in-session reply, resend the previous one (valid MAC, stale sequence). */
  replayPrevious?: boolean;
  /** Send junk (random bytes, truncated and mis-MACed copies) before every real reply. */
  garbageBeforeReply?: boolean;
  /** Flip a bit of the RAKP 2 key exchange auth code (a BMC that does not know the password). */
  corruptRakp2?: boolean;
  /** Flip a bit of the RAKP 4 ICV. */
  corruptRakp4?: boolean;
  /** Overrides the current power state byte of Get Chassis Status. */
  chassisStatusByte?: number;
  /** Completion code for Get Chassis Status. */
  chassisStatusCompletionCode?: number;
  /** Completion code for Chassis Control. */
  chassisControlCompletionCode?: number;
  /** The BMC claims a non-zero Kg. */
  kgRequired?: boolean;
  /** The BMC claims no IPMI v2.0 support. */
  noRmcpPlus?: boolean;
  /**
   * Get Channel Cipher Suites: the suite ids listed (standard algorithms for each id), or
   * 'silent' to ignore the command as some BMCs do. Defaults to the accepted suites.
   */
  listSuites?: number[] | 'silent';
  /** Answer every Open Session with this suite's algorithms, whatever was proposed (pyghmi answers with 3). */
  answerWithSuite?: number;
  /** The BMC key K_G in hex: advertised in Get Channel Authentication Capabilities and used for SIK. */
  kg?: string;
  /** Delay every reply by this many ms (a slow BMC). */
  replyDelayMs?: number;
  /** Drop this many RAKP 4 replies (the session goes active on the BMC all the same). */
  dropRakp4?: number;
}

export interface OpenSessionProposal {
  auth: number;
  integrity: number;
  confidentiality: number;
  maxPrivilege: number;
}

export interface InSessionRequest {
  netFn: number;
  cmd: number;
  data: Buffer;
  /** Session sequence number of the datagram. */
  sequence: number;
  rqSeq: number;
  dropped: boolean;
}

export interface FakeBmc {
  readonly address: string;
  /** Get Channel Cipher Suites requests received. */
  readonly cipherSuiteRequests: number;
  readonly port: number;
  readonly options: FakeBmcOptions;
  /** Every datagram received, in order. */
  readonly received: Buffer[];
  readonly openSessionRequests: OpenSessionProposal[];
  /** Decrypted, authenticated in-session requests, in order. */
  readonly commands: InSessionRequest[];
  /** Sessions opened and not closed by Close Session. */
  readonly openSessions: number;
  powerOn: boolean;
  close(): Promise<void>;
}

interface Suite {
  id: number;
  auth: number;
  integrity: number;
  confidentiality: number;
  hash: 'sha1' | 'sha256';
  icv: number;
  mac: number;
}

const SUITES: Suite[] = [
  { id: 3, auth: 1, integrity: 1, confidentiality: 1, hash: 'sha1', icv: 12, mac: 12 },
  { id: 17, auth: 3, integrity: 4, confidentiality: 1, hash: 'sha256', icv: 16, mac: 16 },
];

/** Algorithms of the standard suites (spec Table 22-20) a BMC may list, the unsafe ones included. */
const ALGORITHMS: Record<number, [number, number, number]> = {
  0: [0, 0, 0],
  1: [1, 0, 0],
  2: [1, 1, 0],
  3: [1, 1, 1],
  6: [2, 0, 0],
  15: [3, 0, 0],
  16: [3, 4, 0],
  17: [3, 4, 1],
};

const PRIV: Record<FakePrivilege, number> = { user: 2, operator: 3, administrator: 4 };
const GUID = Buffer.from('a123456789abcdef0000000000000001', 'hex');

interface Session {
  sidm: number;
  sidc: number;
  suite: Suite;
  peer: RemoteInfo;
  rc: Buffer;
  rm?: Buffer;
  role?: number;
  user?: FakeBmcUser;
  name?: Buffer;
  k1?: Buffer;
  k2?: Buffer;
  active: boolean;
  priv: number;
  maxPriv: number;
  outSeq: number;
}

function hmac(hash: string, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

function kuid(password: string): Buffer {
  const b = Buffer.alloc(20);
  Buffer.from(password, 'utf8').copy(b);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function cksum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += b[i] ?? 0;
  return -s & 0xff;
}

function rmcpPlus(payloadType: number, sid: number, seq: number, payload: Buffer, session?: Session): Buffer {
  const head = Buffer.alloc(16);
  Buffer.from([0x06, 0x00, 0xff, 0x07, 0x06]).copy(head);
  head[5] = payloadType | (session ? 0xc0 : 0);
  head.writeUInt32LE(sid >>> 0, 6);
  head.writeUInt32LE(seq >>> 0, 10);
  head.writeUInt16LE(payload.length, 14);
  if (!session?.k1) return Buffer.concat([head, payload]);
  let pad = 0;
  while ((12 + payload.length + pad + 2) % 4) pad++;
  const trailer = Buffer.alloc(pad + 2, 0xff);
  trailer[pad] = pad;
  trailer[pad + 1] = 0x07;
  const body = Buffer.concat([head, payload, trailer]);
  return Buffer.concat([body, hmac(session.suite.hash, session.k1, body.subarray(4)).subarray(0, session.suite.mac)]);
}

function ipmiResponse(rq: { netFn: number; cmd: number; seqLun: number }, cc: number, data: number[] | Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x81, (rq.netFn + 1) << 2, 0, 0x20, rq.seqLun, rq.cmd, cc]),
    Buffer.from(data),
    Buffer.alloc(1),
  ]);
  body[2] = cksum(body, 0, 2);
  body[body.length - 1] = cksum(body, 3, body.length - 1);
  return body;
}

function encrypt(k2: Buffer, plain: Buffer): Buffer {
  const padLen = (16 - ((plain.length + 1) % 16)) % 16;
  const pad = Buffer.from([...Array.from({ length: padLen }, (_, i) => i + 1), padLen]);
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', k2.subarray(0, 16), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(Buffer.concat([plain, pad])), c.final()]);
}

function decrypt(k2: Buffer, data: Buffer): Buffer | undefined {
  if (data.length < 32 || data.length % 16) return undefined;
  const d = createDecipheriv('aes-128-cbc', k2.subarray(0, 16), data.subarray(0, 16));
  d.setAutoPadding(false);
  const p = Buffer.concat([d.update(data.subarray(16)), d.final()]);
  const padLen = p[p.length - 1] ?? 0;
  if (padLen > 15) return undefined;
  return p.subarray(0, p.length - 1 - padLen);
}

export async function startFakeBmc(options: FakeBmcOptions = {}): Promise<FakeBmc> {
  const opts = options;
  const users = opts.users ?? [{ name: 'admin', password: 'password', privilege: 'administrator' }];
  const accepted = () => SUITES.filter((s) => (opts.suites ?? [3, 17]).includes(s.id));
  const socket = createSocket('udp4');
  const sessions = new Map<number, Session>();
  const received: Buffer[] = [];
  const openSessionRequests: OpenSessionProposal[] = [];
  const commands: InSessionRequest[] = [];
  let dropped = 0;
  let droppedInSession = 0;
  let droppedRakp4 = 0;
  let cipherSuiteRequests = 0;
  let previousReply: { reply: Buffer; peer: RemoteInfo } | undefined;
  let nextSid = 0x200;
  let cycleTimer: NodeJS.Timeout | undefined;

  const send = (reply: Buffer, peer: RemoteInfo) => {
    if (opts.replyDelayMs) {
      const later = setTimeout(() => sendNow(reply, peer), opts.replyDelayMs);
      timers.add(later);
      return;
    }
    sendNow(reply, peer);
  };
  const timers = new Set<NodeJS.Timeout>();
  const sendNow = (reply: Buffer, peer: RemoteInfo) => {
    if (opts.garbageBeforeReply) {
      const junk = [
        randomBytes(1 + ((reply[5] ?? 0) % 40)),
        reply.subarray(0, Math.max(1, reply.length - 3)),
        Buffer.concat([reply.subarray(0, reply.length - 1), Buffer.from([(reply[reply.length - 1] ?? 0) ^ 1])]),
        Buffer.from([0x06, 0x00, 0xff, 0x07, 0x06, 0xc0, 0xff, 0xff, 0xff, 0xff]),
      ];
      for (const j of junk) socket.send(j, peer.port, peer.address);
    }
    socket.send(reply, peer.port, peer.address);
  };

  const handleV15 = (msg: Buffer, peer: RemoteInfo) => {
    // Get Channel Authentication Capabilities only.
    const m = msg.subarray(14);
    if (m.length >= 9 && m[5] === 0x54) return handleCipherSuites(m, peer);
    if (m.length < 9 || m[5] !== 0x38) return;
    const data = [
      0x01,
      0x96 & (opts.noRmcpPlus ? 0x7f : 0xff),
      0x04 | (opts.kgRequired || opts.kg ? 0x20 : 0),
      opts.noRmcpPlus ? 0x01 : 0x03,
      0,
      0,
      0,
      0,
    ];
    const rsp = ipmiResponse({ netFn: 0x06, cmd: 0x38, seqLun: m[4] ?? 0 }, 0, data);
    const head = Buffer.from([0x06, 0x00, 0xff, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, rsp.length]);
    send(Buffer.concat([head, rsp]), peer);
  };

  /** Get Channel Cipher Suites (spec 22.15), pre-session, answered in RMCP+ format as pyghmi does. */
  const handleCipherSuites = (m: Buffer, peer: RemoteInfo) => {
    cipherSuiteRequests++;
    if (opts.listSuites === 'silent') return;
    const ids = opts.listSuites ?? opts.suites ?? [3, 17];
    const records: number[] = [];
    for (const id of ids) {
      const a = ALGORITHMS[id];
      if (a) records.push(0xc0, id, a[0], 0x40 | a[1], 0x80 | a[2]);
    }
    const index = (m[8] ?? 0) & 0x3f;
    const chunk = records.slice(index * 16, index * 16 + 16);
    const rsp = ipmiResponse({ netFn: 0x06, cmd: 0x54, seqLun: m[4] ?? 0 }, 0, [0x01, ...chunk]);
    send(rmcpPlus(0x00, 0, 0, rsp), peer);
  };

  const handleOpenSession = (p: Buffer, peer: RemoteInfo) => {
    if (p.length < 32) return;
    const proposal = {
      auth: p[12] ?? -1,
      integrity: p[20] ?? -1,
      confidentiality: p[28] ?? -1,
      maxPrivilege: p[1] ?? 0,
    };
    openSessionRequests.push(proposal);
    const tag = p[0] ?? 0;
    const sidm = p.readUInt32LE(4);
    const forced = opts.answerWithSuite !== undefined ? ALGORITHMS[opts.answerWithSuite] : undefined;
    if (forced && !SUITES.some((s) => s.id === opts.answerWithSuite)) {
      // A suite this fake cannot run (no auth or integrity): answer with its algorithms anyway,
      // as a hostile or broken BMC would; a client that goes on to RAKP 1 gets nothing more.
      const r = Buffer.alloc(36);
      r[0] = tag;
      r.writeUInt32LE(sidm, 4);
      r.writeUInt32LE((nextSid += 2), 8);
      forced.forEach((alg, i) => {
        r[12 + i * 8] = i;
        r[15 + i * 8] = 8;
        r[16 + i * 8] = alg;
      });
      send(rmcpPlus(0x11, 0, 0, r), peer);
      return;
    }
    const suite =
      opts.answerWithSuite !== undefined
        ? SUITES.find((s) => s.id === opts.answerWithSuite)
        : accepted().find(
            (s) =>
              s.auth === proposal.auth &&
              s.integrity === proposal.integrity &&
              s.confidentiality === proposal.confidentiality,
          );
    if (!suite) {
      const status = accepted().some((s) => s.auth === proposal.auth) ? 0x11 : 0x04;
      send(rmcpPlus(0x11, 0, 0, Buffer.from([tag, status])), peer);
      return;
    }
    const sidc = (nextSid += 2);
    sessions.set(sidc, { sidm, sidc, suite, peer, rc: randomBytes(16), active: false, priv: 2, maxPriv: 4, outSeq: 0 });
    const r = Buffer.alloc(36);
    r[0] = tag;
    r.writeUInt32LE(sidm, 4);
    r.writeUInt32LE(sidc, 8);
    [0, 1, 2].forEach((type, i) => {
      r[12 + i * 8] = type;
      r[15 + i * 8] = 8;
      r[16 + i * 8] = [suite.auth, suite.integrity, suite.confidentiality][i] ?? 0;
    });
    send(rmcpPlus(0x11, 0, 0, r), peer);
  };

  const handleRakp1 = (p: Buffer, peer: RemoteInfo) => {
    if (p.length < 28) return;
    const tag = p[0] ?? 0;
    const s = sessions.get(p.readUInt32LE(4));
    if (!s) return;
    const rm = Buffer.from(p.subarray(8, 24));
    const role = p[24] ?? 0;
    const nameLen = p[27] ?? 0;
    const name = Buffer.from(p.subarray(28, 28 + nameLen));
    const user = users.find((u) => u.name === name.toString('latin1'));
    const fail = (status: number) => {
      const r = Buffer.alloc(8);
      r[0] = tag;
      r[1] = status;
      r.writeUInt32LE(s.sidm, 4);
      sessions.delete(s.sidc);
      send(rmcpPlus(0x13, 0, 0, r), peer);
    };
    if (!user) return fail(0x0d);
    const userMax = PRIV[user.privilege ?? 'administrator'];
    if ((role & 0x0f) > userMax && (opts.privilegeCheck ?? 'rakp') === 'rakp') return fail(0x09);
    Object.assign(s, { rm, role, user, name, maxPriv: Math.min(role & 0x0f, userMax) });
    const code = hmac(
      s.suite.hash,
      kuid(user.password),
      u32(s.sidm),
      u32(s.sidc),
      rm,
      s.rc,
      GUID,
      Buffer.from([role, nameLen]),
      name,
    );
    if (opts.corruptRakp2) code[0] = (code[0] ?? 0) ^ 0x01;
    const head = Buffer.alloc(8);
    head[0] = tag;
    head.writeUInt32LE(s.sidm, 4);
    send(rmcpPlus(0x13, 0, 0, Buffer.concat([head, s.rc, GUID, code])), peer);
  };

  const handleRakp3 = (p: Buffer, peer: RemoteInfo) => {
    if (p.length < 8) return;
    const tag = p[0] ?? 0;
    const s = sessions.get(p.readUInt32LE(4));
    if (!s?.user || !s.rm || s.role === undefined || !s.name) return;
    const expected = hmac(
      s.suite.hash,
      kuid(s.user.password),
      s.rc,
      u32(s.sidm),
      Buffer.from([s.role, s.name.length]),
      s.name,
    );
    const head = Buffer.alloc(8);
    head[0] = tag;
    head.writeUInt32LE(s.sidm, 4);
    if (!expected.equals(p.subarray(8))) {
      head[1] = 0x0f;
      sessions.delete(s.sidc);
      send(rmcpPlus(0x15, 0, 0, head), peer);
      return;
    }
    const sikKey = opts.kg ? Buffer.from(opts.kg, 'hex') : kuid(s.user.password);
    const sik = hmac(s.suite.hash, sikKey, s.rm, s.rc, Buffer.from([s.role, s.name.length]), s.name);
    s.k1 = hmac(s.suite.hash, sik, Buffer.alloc(20, 1));
    s.k2 = hmac(s.suite.hash, sik, Buffer.alloc(20, 2));
    const icv = hmac(s.suite.hash, sik, s.rm, u32(s.sidc), GUID).subarray(0, s.suite.icv);
    if (opts.corruptRakp4) icv[0] = (icv[0] ?? 0) ^ 0x01;
    s.active = true;
    if (droppedRakp4 < (opts.dropRakp4 ?? 0)) {
      droppedRakp4++;
      return;
    }
    send(rmcpPlus(0x15, 0, 0, Buffer.concat([head, icv])), peer);
  };

  const handleCommand = (
    s: Session,
    req: { netFn: number; cmd: number; seqLun: number; data: Buffer },
  ): [number, number[]] => {
    const need = (priv: number): boolean => s.priv >= priv;
    if (req.netFn === 0x06 && req.cmd === 0x3b) {
      const want = (req.data[0] ?? 0) & 0x0f;
      if (want > s.maxPriv) return [0x81, []];
      s.priv = want || s.priv;
      return [0, [s.priv]];
    }
    if (req.netFn === 0x06 && req.cmd === 0x3c) {
      if (req.data.length < 4 || req.data.readUInt32LE(0) !== s.sidc) return [0x87, []];
      sessions.delete(s.sidc);
      return [0, []];
    }
    if (req.netFn === 0x00 && req.cmd === 0x01) {
      if (opts.chassisStatusCompletionCode) return [opts.chassisStatusCompletionCode, []];
      return [0, [opts.chassisStatusByte ?? (bmc.powerOn ? 0x01 : 0x00), 0x00, 0x00]];
    }
    if (req.netFn === 0x00 && req.cmd === 0x02) {
      if (!need(3)) return [0xd4, []];
      if (opts.chassisControlCompletionCode) return [opts.chassisControlCompletionCode, []];
      const action = req.data[0];
      if (action === 0x00 && !opts.ignorePowerOff) bmc.powerOn = false;
      if (action === 0x01) bmc.powerOn = true;
      if (action === 0x02) {
        bmc.powerOn = false;
        clearTimeout(cycleTimer);
        cycleTimer = setTimeout(() => (bmc.powerOn = true), 200);
      }
      return [0, []];
    }
    return [0xc1, []];
  };

  const handleSession = (msg: Buffer, peer: RemoteInfo) => {
    const sid = msg.readUInt32LE(6);
    const s = sessions.get(sid);
    if (!s?.active || !s.k1 || !s.k2) return;
    if ((msg[5] ?? 0) !== 0xc0) return;
    const len = msg.readUInt16LE(14);
    const macStart = msg.length - s.suite.mac;
    if (macStart < 16 + len) return;
    const mac = hmac(s.suite.hash, s.k1, msg.subarray(4, macStart)).subarray(0, s.suite.mac);
    if (!mac.equals(msg.subarray(macStart))) return;
    if (msg.readUInt32LE(10) === 0) return;
    const plain = decrypt(s.k2, msg.subarray(16, 16 + len));
    if (
      !plain ||
      plain.length < 7 ||
      cksum(plain, 0, 2) !== plain[2] ||
      cksum(plain, 3, plain.length - 1) !== plain[plain.length - 1]
    ) {
      return;
    }
    const req = {
      netFn: (plain[1] ?? 0) >> 2,
      cmd: plain[5] ?? 0,
      seqLun: plain[4] ?? 0,
      data: Buffer.from(plain.subarray(6, plain.length - 1)),
    };
    const drop = droppedInSession < (opts.dropInSession ?? 0);
    commands.push({
      netFn: req.netFn,
      cmd: req.cmd,
      data: req.data,
      sequence: msg.readUInt32LE(10),
      rqSeq: req.seqLun >> 2,
      dropped: drop,
    });
    if (drop) {
      droppedInSession++;
      return;
    }
    const [cc, data] = handleCommand(s, req);
    s.outSeq += 1;
    const reply = rmcpPlus(0x00, s.sidm, s.outSeq, encrypt(s.k2, ipmiResponse(req, cc, data)), s);
    if (opts.replayPrevious && previousReply) socket.send(previousReply.reply, peer.port, peer.address);
    previousReply = { reply, peer };
    send(reply, peer);
  };

  socket.on('message', (msg, peer) => {
    received.push(Buffer.from(msg));
    if (opts.silent) return;
    if (dropped < (opts.dropFirst ?? 0)) {
      dropped++;
      return;
    }
    try {
      if (msg.length < 5 || msg[0] !== 0x06 || msg[3] !== 0x07) return;
      if (msg[4] === 0x00 && msg.length >= 14) return handleV15(msg, peer);
      if (msg[4] !== 0x06 || msg.length < 16) return;
      const type = (msg[5] ?? 0) & 0x3f;
      const payload = msg.subarray(16, 16 + msg.readUInt16LE(14));
      if (type === 0x10) return handleOpenSession(payload, peer);
      if (type === 0x12) return handleRakp1(payload, peer);
      if (type === 0x14) return handleRakp3(payload, peer);
      if (type === 0x00 && msg.readUInt32LE(6) === 0) {
        const m = payload;
        if (m.length >= 9 && m[5] === 0x54) return handleCipherSuites(m, peer);
        return;
      }
      if (type === 0x00) return handleSession(msg, peer);
    } catch {
      // A fake BMC that crashes on garbage would test nothing.
    }
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();

  const bmc: FakeBmc = {
    address: `127.0.0.1:${port}`,
    port,
    options: opts,
    received,
    get cipherSuiteRequests() {
      return cipherSuiteRequests;
    },
    openSessionRequests,
    commands,
    get openSessions() {
      return sessions.size;
    },
    powerOn: opts.poweredOn ?? true,
    async close() {
      clearTimeout(cycleTimer);
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
  return bmc;
}
