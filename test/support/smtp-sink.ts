import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail as the server received it: the SMTP envelope, the raw source, and mailparser's reading. */
export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
  /** User that authenticated for this session, if any. */
  user: string | null;
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
}

export interface SmtpSinkOptions {
  /** Require/accept AUTH PLAIN/LOGIN with these credentials (auth stays optional for other sessions). */
  auth?: { user: string; pass: string };
  /** Answer this many MAIL FROM commands with a transient "451" before accepting. */
  failFirst?: number;
  /** Listen on this port (to bring a "down" server back up on the same port). */
  port?: number;
  /** Serve TLS with this key and certificate (PEM): implicit TLS when `secure`, else STARTTLS offered. */
  tls?: { key: string | Buffer; cert: string | Buffer; secure: boolean };
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** MAIL FROM commands rejected by `failFirst`. */
  rejected: number;
  /** Resolve when `count` mails have arrived (or reject after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 for tests: plain with STARTTLS disabled (`security: none`) unless
 * `tls` is given, optional authentication, mails parsed back with mailparser.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<{ count: number; resolve: (m: ReceivedMail[]) => void }> = [];
  let failuresLeft = opts.failFirst ?? 0;
  const sink: SmtpSink = {
    port: 0,
    mails,
    rejected: 0,
    waitFor(count, timeoutMs = 5000) {
      if (mails.length >= count) return Promise.resolve(mails.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${mails.length} of ${count} mails arrived`)), timeoutMs);
        waiters.push({
          count,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: opts.tls ? [] : ['STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert, secure: opts.tls.secure } : {}),
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass)
        return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onMailFrom(_address, _session, callback) {
      if (failuresLeft > 0) {
        failuresLeft--;
        sink.rejected++;
        return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            mails.push({
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              user: (session.user as string | undefined) ?? null,
              secure: Boolean((session as { secure?: boolean }).secure),
            });
            for (const w of waiters.filter((x) => mails.length >= x.count)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(mails.slice());
            }
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  return sink;
}

/** A port nothing listens on (yet): reserve one, then release it. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
