import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EmailNotifierConfig } from '../../../lib/config/schemas.js';
import { EmailNotifierSchema } from '../../../lib/config/schemas.js';
import { createLogger } from '../../../lib/log/index.js';
import { createNotifiers, type OutgoingMessage } from '../../../lib/notify/index.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';

// A test CA and a server certificate for 127.0.0.1 / localhost (valid until 2126), made with openssl.
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const tls = { key: readFileSync(fixture('smtp.key')), cert: readFileSync(fixture('smtp.pem')) };
const ctx = { log: createLogger({ level: 'silent' }), env: { FDR_SMTP_PW: 'tls-test-password' } };
const message: OutgoingMessage = {
  kind: 'admin',
  scope: 'inc-tls',
  key: 'summary',
  recipients: ['ops@example.org'],
  toFeeds: false,
  subject: 'tls test',
  text: 'hello',
  html: '<p>hello</p>',
  digest: { title: 't', severity: 'ok', facts: [], lines: [] },
  data: {},
  note: null,
};

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

function channel(transport: Partial<Extract<EmailNotifierConfig['transport'], { type: 'smtp' }>>): EmailNotifierConfig {
  return EmailNotifierSchema.parse({
    driver: 'email',
    from: 'dr@example.org',
    transport: { type: 'smtp', host: '127.0.0.1', username: 'freezer', password: 'env:FDR_SMTP_PW', ...transport },
  });
}

describe('SMTP transport security (S7: verification always on)', () => {
  test('implicit TLS with a private CA bundle', async () => {
    sink = await startSmtpSink({ tls: { ...tls, secure: true }, auth: { user: 'freezer', pass: 'tls-test-password' } });
    const [n] = await createNotifiers(
      [channel({ port: sink.port, security: 'tls', caBundle: fixture('ca.pem') })],
      ctx,
    );
    await n!.send(message, 'ops@example.org', '<tls.admin.1@freezer-dr>');
    const [mail] = await sink.waitFor(1);
    expect(mail).toMatchObject({ secure: true, user: 'freezer', rcptTo: ['ops@example.org'] });
  });

  test('STARTTLS is required with security: starttls', async () => {
    sink = await startSmtpSink({
      tls: { ...tls, secure: false },
      auth: { user: 'freezer', pass: 'tls-test-password' },
    });
    const [n] = await createNotifiers(
      [channel({ port: sink.port, security: 'starttls', caBundle: fixture('ca.pem') })],
      ctx,
    );
    await n!.send(message, 'ops@example.org', '<tls.admin.2@freezer-dr>');
    const [mail] = await sink.waitFor(1);
    expect(mail!.secure).toBe(true);
  });

  test('a certificate from an unknown CA is refused, permanently', async () => {
    sink = await startSmtpSink({ tls: { ...tls, secure: true } });
    const [n] = await createNotifiers([channel({ port: sink.port, security: 'tls' })], ctx);
    await expect(n!.send(message, 'ops@example.org', '<tls.admin.3@freezer-dr>')).rejects.toMatchObject({
      name: 'DeliveryError',
      transient: false,
    });
    expect(sink.mails).toHaveLength(0);
  });

  test('starttls against a server without STARTTLS fails instead of sending in clear', async () => {
    sink = await startSmtpSink();
    const [n] = await createNotifiers([channel({ port: sink.port, security: 'starttls' })], ctx);
    await expect(n!.send(message, 'ops@example.org', '<tls.admin.4@freezer-dr>')).rejects.toMatchObject({
      name: 'DeliveryError',
    });
    expect(sink.mails).toHaveLength(0);
  });
});
