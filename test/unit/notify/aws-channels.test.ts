import { afterEach, describe, expect, test } from '@jest/globals';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger } from '../../../lib/log/index.js';
import { createNotifiers } from '../../../lib/notify/registry.js';
import { snsSubject } from '../../../lib/notify/sns.js';
import type { OutgoingMessage } from '../../../lib/notify/schemas.js';

const ctx = { log: createLogger({ level: 'silent' }), env: {} };
const message: OutgoingMessage = {
  kind: 'admin',
  scope: 'inc-compute-1-20250304T140500Z',
  key: 'summary',
  recipients: ['ops@example.org'],
  toFeeds: true,
  subject: '[freezer-dr] PARTIAL compute-1 — 1/2 evacuated, 1 NOT recovered (inc-compute-1-20250304T140500Z)',
  text: 'PARTIAL: host compute-1\nweb-2: FAILED — No valid host was found.',
  html: '<p>PARTIAL</p>',
  digest: { title: 'PARTIAL compute-1', severity: 'warning', facts: [], lines: [] },
  data: {},
  note: null,
};

const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
afterEach(() => {
  sns.reset();
  ses.reset();
});

describe('sns channel', () => {
  test('publishes the text part with a valid subject and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-123' });
    const [n] = await createNotifiers(
      [{ driver: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:freezer-dr-alerts' }],
      ctx,
    );
    expect(n).toMatchObject({
      channel: 'sns',
      audience: 'feed',
      destination: 'arn:aws:sns:eu-west-1:123456789012:freezer-dr-alerts',
    });
    expect(await n!.send(message, '', '<id@freezer-dr>')).toEqual({ providerId: 'sns-123' });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:freezer-dr-alerts');
    expect(input.Message).toBe(message.text);
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
    expect(input.MessageAttributes?.severity).toEqual({ DataType: 'String', StringValue: 'warning' });
    expect(input.MessageAttributes?.scope?.StringValue).toBe(message.scope);
  });

  test('throttling is transient, authorization is not', async () => {
    const [n] = await createNotifiers([{ driver: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' }], ctx);
    sns
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(n!.send(message, '', '<id>')).rejects.toMatchObject({ name: 'DeliveryError', transient: true });
    sns.on(PublishCommand).rejectsOnce(
      Object.assign(new Error('not authorized'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(n!.send(message, '', '<id>')).rejects.toMatchObject({ name: 'DeliveryError', transient: false });
  });

  test('subjects are made SNS-safe', () => {
    expect(snsSubject('[freezer-dr] FENCE FAILED compute-1 — NOT confirmed\npowered off')).toBe(
      '[freezer-dr] FENCE FAILED compute-1 - NOT confirmed powered off',
    );
    expect(snsSubject('x'.repeat(150))).toHaveLength(100);
  });
});

describe('email channel over SES (SESv2 SendEmail)', () => {
  test('sends one raw MIME message per recipient with our Message-ID and the configuration set', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0102018f-ses' });
    const [n] = await createNotifiers(
      [
        {
          driver: 'email',
          transport: { type: 'ses', region: 'eu-west-1', configurationSet: 'dr' },
          from: 'dr@example.org',
        },
      ],
      ctx,
    );
    expect(n).toMatchObject({ channel: 'email:ses', audience: 'person' });
    const out = await n!.send(message, 'ops@example.org', '<inc.admin.abc@freezer-dr>');
    expect(out.providerId).toContain('0102018f-ses');
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.ConfigurationSetName).toBe('dr');
    const raw = Buffer.from(input.Content!.Raw!.Data!).toString('utf8');
    expect(raw).toContain('To: ops@example.org');
    expect(raw).toContain('Message-ID: <inc.admin.abc@freezer-dr>');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('Content-Type: text/plain');
  });

  test('an SES rejection becomes a DeliveryError', async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Email address is not verified.'), {
        name: 'MessageRejected',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const [n] = await createNotifiers(
      [{ driver: 'email', transport: { type: 'ses', region: 'eu-west-1' }, from: 'dr@example.org' }],
      ctx,
    );
    await expect(n!.send(message, 'ops@example.org', '<id>')).rejects.toMatchObject({
      name: 'DeliveryError',
      transient: false,
    });
  });
});

describe('registry', () => {
  test('an invalid channel becomes a failing notifier instead of an exception', async () => {
    const [n] = await createNotifiers([{ driver: 'pigeon' }], ctx);
    await expect(n!.send(message, 'x@example.org', '<id>')).rejects.toMatchObject({
      name: 'DeliveryError',
      transient: false,
    });
  });
});
