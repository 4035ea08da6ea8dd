import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SimSmtpMessage {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The message exactly as received (headers and body, CRLF line ends). */
  raw: string;
  /** Where it was written, when an outbox directory is set. */
  emlPath?: string;
}

export interface SimSmtpOptions {
  /** Write every message to `<outboxDir>/<nnn>-<subject>.eml` (the demo's "mailbox"). */
  outboxDir?: string;
  /** Offer STARTTLS with this key pair; without it STARTTLS is not offered at all. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface SimSmtp {
  port: number;
  host: '127.0.0.1';
  messages: SimSmtpMessage[];
  stop(): Promise<void>;
}

/**
 * A mail sink on 127.0.0.1: any sender, any recipient, any (or no) AUTH, every message kept.
 * Plain SMTP unless a key pair is given, so a client configured with `security: none` works.
 */
export async function startSimSmtp(opts: SimSmtpOptions = {}): Promise<SimSmtp> {
  const messages: SimSmtpMessage[] = [];
  if (opts.outboxDir) await mkdir(opts.outboxDir, { recursive: true });
  const server = new SMTPServer({
    name: 'smtp.sim.local',
    authOptional: true,
    // No TLS on loopback: credentials in clear are fine for a sink that accepts anything.
    allowInsecureAuth: true,
    disabledCommands: opts.tls ? [] : ['STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    logger: false,
    closeTimeout: 1000,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sim' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom;
        const msg: SimSmtpMessage = {
          envelopeFrom: mailFrom ? mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          raw: bytes.toString('utf8'),
        };
        const n = messages.length + 1;
        messages.push(msg);
        if (!opts.outboxDir) {
          callback();
          return;
        }
        const path = join(opts.outboxDir, `${String(n).padStart(3, '0')}-${fileStem(msg.raw)}.eml`);
        msg.emlPath = path;
        writeFile(path, bytes).then(
          () => callback(),
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    host: '127.0.0.1',
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The unfolded value of a header, or undefined. */
export function headerValue(raw: string, name: string): string | undefined {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? raw.slice(0, end) : raw).replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
  return re.exec(head)?.[1]?.trim();
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= / =?UTF-8?Q?...?=); whitespace between two of them is dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            );
      try {
        return new TextDecoder(charset.split('*')[0]!.toLowerCase()).decode(bytes);
      } catch {
        return bytes.toString('utf8');
      }
    });
}

function sanitise(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '');
}

/** File name stem: the subject, else the Message-ID, else "message". */
function fileStem(raw: string): string {
  const subject = headerValue(raw, 'subject');
  const fromSubject = subject ? sanitise(decodeEncodedWords(subject)) : '';
  if (fromSubject) return fromSubject;
  const id = headerValue(raw, 'message-id');
  return (id ? sanitise(id) : '') || 'message';
}
