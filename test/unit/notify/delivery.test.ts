import { describe, expect, test } from '@jest/globals';
import { createLogger } from '../../../lib/log/index.js';
import { deliver, messageIdFor, outstandingFailures, type DeliverOptions } from '../../../lib/notify/delivery.js';
import { DeliveryError } from '../../../lib/notify/errors.js';
import type { Notifier } from '../../../lib/notify/notifier.js';
import type { OutgoingMessage } from '../../../lib/notify/schemas.js';

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  kind: 'admin',
  scope: 'inc-1',
  key: 'summary',
  recipients: ['a@x.org', 'b@x.org'],
  toFeeds: true,
  subject: 's',
  text: 't',
  html: '<p>t</p>',
  digest: { title: 's', severity: 'ok', facts: [], lines: [] },
  data: {},
  note: null,
  ...over,
});

/** A notifier that fails according to a script of errors (null = success), per call. */
function scripted(
  channel: string,
  audience: Notifier['audience'],
  script: Array<DeliveryError | null> = [],
): Notifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    channel,
    audience,
    destination: audience === 'feed' ? `${channel}-dest` : undefined,
    sent,
    async send(_m, recipient) {
      const next = script.shift();
      if (next) throw next;
      sent.push(recipient);
      return {};
    },
  };
}

const sleeps: number[] = [];
const opts = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  done: new Set(),
  retry: { attempts: 3, baseDelayMs: 100 },
  log: createLogger({ level: 'silent' }),
  now: () => new Date('2025-03-04T14:00:00Z'),
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  concurrency: 1,
  ...over,
});
const transient = (channelDown = false) => new DeliveryError('connect ECONNREFUSED', { transient: true, channelDown });
const permanent = () => new DeliveryError('SMTP 550 no such user', { transient: false });

describe('deliver', () => {
  test('retries transient failures with growing backoff, then records success', async () => {
    sleeps.length = 0;
    const email = scripted('email:smtp', 'person', [transient(), transient(), null]);
    const records = await deliver([message({ recipients: ['a@x.org'], toFeeds: false })], [email], opts());
    expect(records).toEqual([
      expect.objectContaining({
        channel: 'email:smtp',
        recipient: 'a@x.org',
        ok: true,
        detail: 'delivered after 3 attempts',
      }),
    ]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(75);
    expect(sleeps[0]).toBeLessThanOrEqual(125);
    expect(sleeps[1]).toBeGreaterThanOrEqual(225);
    expect(sleeps[1]).toBeLessThanOrEqual(375);
  });

  test('a permanent failure is not retried', async () => {
    sleeps.length = 0;
    const email = scripted('email:smtp', 'person', [permanent()]);
    const records = await deliver([message({ recipients: ['a@x.org'], toFeeds: false })], [email], opts());
    expect(records).toEqual([expect.objectContaining({ ok: false, detail: 'SMTP 550 no such user' })]);
    expect(sleeps).toHaveLength(0);
  });

  test('fails over to the next email channel; both attempts are recorded under one Message-ID', async () => {
    const smtp = scripted('email:smtp', 'person', [permanent()]);
    const ses = scripted('email:ses', 'person');
    const records = await deliver([message({ recipients: ['a@x.org'], toFeeds: false })], [smtp, ses], opts());
    expect(records.map((r) => [r.channel, r.ok])).toEqual([
      ['email:smtp', false],
      ['email:ses', true],
    ]);
    expect(records[0]!.messageId).toBe(records[1]!.messageId);
    expect(outstandingFailures(records)).toEqual([]);
  });

  test('a channel found down is not retried for every later recipient', async () => {
    const email = scripted('email:smtp', 'person', [transient(true), transient(true), transient(true)]);
    const records = await deliver(
      [message({ recipients: ['a@x.org', 'b@x.org', 'c@x.org'], toFeeds: false })],
      [email],
      opts(),
    );
    expect(records.map((r) => r.detail)).toEqual([
      'after 3 attempts: connect ECONNREFUSED',
      'not attempted: email:smtp was unreachable for an earlier recipient (after 3 attempts: connect ECONNREFUSED)',
      'not attempted: email:smtp was unreachable for an earlier recipient (after 3 attempts: connect ECONNREFUSED)',
    ]);
  });

  test('admin messages go to every feed; project messages never do', async () => {
    const hook = scripted('webhook:slack', 'feed');
    const email = scripted('email:smtp', 'person');
    const records = await deliver(
      [message(), message({ kind: 'project', key: 'project:p', toFeeds: false, recipients: ['m@x.org'] })],
      [email, hook],
      opts(),
    );
    expect(hook.sent).toHaveLength(1);
    expect(email.sent.sort()).toEqual(['a@x.org', 'b@x.org', 'm@x.org']);
    expect(records.find((r) => r.channel === 'webhook:slack')).toMatchObject({
      recipient: 'webhook:slack-dest',
      kind: 'admin',
      ok: true,
    });
  });

  test('what is already delivered is skipped; duplicates are sent once', async () => {
    const email = scripted('email:smtp', 'person');
    const m = message({ recipients: ['a@x.org', 'A@X.org', 'b@x.org'], toFeeds: false });
    const records = await deliver([m], [email], opts({ done: new Set([messageIdFor(m, 'b@x.org')]) }));
    expect(email.sent).toEqual(['a@x.org']);
    expect(records).toHaveLength(1);
  });

  test('never throws, even for a non-DeliveryError', async () => {
    const weird: Notifier = {
      channel: 'email:smtp',
      audience: 'person',
      async send() {
        throw new TypeError('boom');
      },
    };
    const records = await deliver(
      [message({ recipients: ['a@x.org'], toFeeds: false })],
      [weird],
      opts({ retry: { attempts: 2, baseDelayMs: 0 } }),
    );
    expect(records).toEqual([expect.objectContaining({ ok: false, detail: 'after 2 attempts: boom' })]);
  });
});

describe('messageIdFor', () => {
  test('deterministic per scope + kind + key + recipient (case-insensitive)', () => {
    const m = message();
    expect(messageIdFor(m, 'A@x.org')).toBe(messageIdFor(m, 'a@X.ORG'));
    expect(messageIdFor(m, 'a@x.org')).not.toBe(messageIdFor({ ...m, kind: 'project' }, 'a@x.org'));
    expect(messageIdFor(m, 'a@x.org')).not.toBe(messageIdFor({ ...m, key: 'project:p' }, 'a@x.org'));
    expect(messageIdFor({ ...m, scope: 'inc weird/id' }, 'a@x.org')).toMatch(
      /^<inc_weird_id\.admin\.[0-9a-f]{20}@freezer-dr>$/,
    );
  });
});
