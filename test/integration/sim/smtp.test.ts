import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { startSimSmtp, type SimSmtp } from '../../../lib/sim/index.js';

let smtp: SimSmtp;
let outbox: string;

beforeAll(async () => {
  outbox = mkdtempSync(join(tmpdir(), 'sim-outbox-'));
  smtp = await startSimSmtp({ outboxDir: join(outbox, 'mail') });
});
afterAll(async () => {
  await smtp.stop();
  rmSync(outbox, { recursive: true, force: true });
});

/** Speak SMTP by hand: wait for each reply code before the next command. */
async function rawSmtp(port: number, lines: string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (d: string) => {
    buffer += d;
    // A complete reply ends with a line "NNN text" (no dash after the code).
    if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(buffer)) {
      replies.push(buffer);
      buffer = '';
      waiter?.();
    }
  });
  const next = () => new Promise<void>((resolve) => (waiter = resolve));
  await next(); // greeting
  for (const line of lines) {
    const p = next();
    socket.write(`${line}\r\n`);
    await p;
  }
  socket.end();
  return replies;
}

describe('SMTP sink', () => {
  test('a hand-written SMTP exchange is accepted and kept verbatim', async () => {
    const replies = await rawSmtp(smtp.port, [
      'EHLO test.local',
      'MAIL FROM:<freezer-dr@cloud.example>',
      'RCPT TO:<alice@shop.example>',
      'RCPT TO:<bob@shop.example>',
      'DATA',
      'From: freezer-dr <freezer-dr@cloud.example>\r\nTo: alice@shop.example\r\nSubject: Instances recovered on compute-1\r\nMessage-ID: <raw-1@test>\r\n\r\nshop-web-1 moved to compute-2.\r\n.',
      'QUIT',
    ]);
    expect(replies[0]).toMatch(/^220 /);
    expect(replies[1]).toMatch(/^250-/);
    expect(replies[1]).not.toContain('STARTTLS');
    expect(replies.at(-2)).toMatch(/^250/);
    const msg = smtp.messages.at(-1)!;
    expect(msg.envelopeFrom).toBe('freezer-dr@cloud.example');
    expect(msg.envelopeTo).toEqual(['alice@shop.example', 'bob@shop.example']);
    expect(msg.raw).toContain('Subject: Instances recovered on compute-1');
    expect(msg.raw).toContain('shop-web-1 moved to compute-2.');
    expect(msg.emlPath).toMatch(/\/\d{3}-instances-recovered-on-compute-1\.eml$/);
    expect(readFileSync(msg.emlPath!, 'utf8')).toBe(msg.raw);
  });

  test('nodemailer (plain SMTP, with AUTH) delivers; UTF-8 subjects name the .eml file', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'u', pass: 'p' },
    });
    await transport.sendMail({
      from: 'freezer-dr@cloud.example',
      to: ['carol@shop.example'],
      subject: 'Évacuation terminée — compute-1',
      text: 'Tout va bien.',
    });
    transport.close();
    const msg = smtp.messages.at(-1)!;
    const parsed = await simpleParser(msg.raw);
    expect(parsed.subject).toBe('Évacuation terminée — compute-1');
    expect(parsed.text?.trim()).toBe('Tout va bien.');
    expect(msg.emlPath).toMatch(/\/\d{3}-evacuation-terminee-compute-1\.eml$/);
    const files = readdirSync(join(outbox, 'mail')).sort();
    expect(files).toHaveLength(smtp.messages.length);
    expect(files[0]).toMatch(/^001-/);
  });
});
