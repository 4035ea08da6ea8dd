import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotificationSchema, type NotificationConfig } from '../../../lib/config/schemas.js';
import { createSqliteStore } from '../../../lib/incidents/sqlite.js';
import type { IncidentStore } from '../../../lib/incidents/store.js';
import { createLogger } from '../../../lib/log/index.js';
import { notifyAdmins, notifyIncident, type NotifyDeps } from '../../../lib/notify/index.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import {
  at,
  fakeKeystoneSession,
  instance,
  sampleEvents,
  sampleIncident,
  sampleKeystone,
  seed,
} from '../../unit/notify/fixtures.js';

interface Hit {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** A local webhook receiver: per path, a list of statuses to answer in turn (then 200). */
async function startHookServer(
  script: Record<string, number[]> = {},
): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = script[path]?.shift() ?? 200;
      if (status === 200)
        hits.push({
          path,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          headers: req.headers,
        });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SLACK_TOKEN_PATH = '/services/T0000/B0000/XXXXsecretXXXXtoken';
let sink: SmtpSink;
let hooks: Awaited<ReturnType<typeof startHookServer>>;
let store: IncidentStore;
const log = createLogger({ level: 'silent' });

function config(extra: unknown[] = []): NotificationConfig {
  return NotificationSchema.parse({
    admins: ['ops@example.org'],
    channels: [
      {
        driver: 'email',
        transport: { type: 'smtp', host: '127.0.0.1', port: sink.port, security: 'none' },
        from: 'dr@example.org',
      },
      { driver: 'webhook', url: `${hooks.url}/generic`, format: 'json' },
      { driver: 'webhook', url: `${hooks.url}${SLACK_TOKEN_PATH}`, format: 'slack' },
      { driver: 'webhook', url: `${hooks.url}/teams`, format: 'teams' },
      ...extra,
    ],
  });
}

function deps(over: Partial<NotifyDeps> = {}): NotifyDeps {
  return {
    config: config(),
    session: fakeKeystoneSession(sampleKeystone()),
    store,
    log,
    now: () => new Date(at(125)),
    retry: { attempts: 3, baseDelayMs: 5 },
    ...over,
  };
}

beforeEach(async () => {
  sink = await startSmtpSink();
  store = createSqliteStore(':memory:');
});

afterEach(async () => {
  await sink.close();
  await hooks.close();
  await store.close();
});

async function seedPartial() {
  const incident = sampleIncident({ status: 'partial' });
  await seed(
    store,
    incident,
    [
      instance('i-web-1'),
      instance('i-web-2', { outcome: 'failed', targetHost: null, reason: 'No valid host was found.' }),
    ],
    sampleEvents(),
  );
  return incident;
}

describe('webhook channels against a local HTTP server', () => {
  test('the admin summary goes to JSON, Slack and Teams webhooks in their formats; project mails never do', async () => {
    hooks = await startHookServer({ '/teams': [503] }); // first Teams call fails: retried
    const incident = await seedPartial();
    const records = await notifyIncident(deps(), incident.id);
    expect(records.every((r) => r.ok)).toBe(true);
    expect(hooks.hits.map((h) => h.path).sort()).toEqual(['/generic', '/teams', SLACK_TOKEN_PATH].sort());

    const json = hooks.hits.find((h) => h.path === '/generic')!.body;
    expect(json).toMatchObject({ source: 'freezer-dr', kind: 'admin', scope: incident.id, severity: 'warning' });
    expect(json.subject).toContain('PARTIAL compute-1');
    expect(json.data).toMatchObject({
      incident: { id: incident.id, host: 'compute-1', outcome: 'partial' },
      counts: { evacuated: 1, failed: 1 },
    });
    expect(JSON.stringify(json.data)).toContain('No valid host was found.');

    const slack = hooks.hits.find((h) => h.path === SLACK_TOKEN_PATH)!.body as {
      text: string;
      blocks: Array<{ type: string; text?: { text: string } }>;
    };
    expect(slack.text).toMatch(/^:warning: \[freezer-dr\] PARTIAL compute-1/);
    expect(slack.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(slack.blocks)).toContain('web-2 (i-web-2): FAILED — No valid host was found.');

    const teams = hooks.hits.find((h) => h.path === '/teams')!;
    const card = (
      teams.body.attachments as Array<{ contentType: string; content: { type: string; body: Array<{ type: string }> } }>
    )[0]!;
    expect(teams.body.type).toBe('message');
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.type).toBe('AdaptiveCard');
    expect(card.content.body.some((b) => b.type === 'FactSet')).toBe(true);
    const teamsRecord = records.find((r) => r.channel === 'webhook:teams')!;
    expect(teamsRecord.detail).toContain('delivered after 2 attempts');
    expect(teams.headers['idempotency-key']).toBe(teamsRecord.messageId);

    // S6: the Slack URL's token never reaches a record.
    expect(JSON.stringify(records)).not.toContain('secret');
    expect(records.find((r) => r.channel === 'webhook:slack')!.recipient).toMatch(/^127\.0\.0\.1:\d+ \(slack\)$/);
    // Idempotent for feeds too.
    expect(await notifyIncident(deps(), incident.id)).toEqual([]);
    expect(hooks.hits).toHaveLength(3);
  });

  test('a failed channel is reported through the others', async () => {
    hooks = await startHookServer({ '/generic': [500, 500, 500] });
    const incident = await seedPartial();
    const records = await notifyIncident(deps(), incident.id);
    const failed = records.filter((r) => !r.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ channel: 'webhook:json', kind: 'admin' });
    expect(failed[0]!.detail).toMatch(/after 3 attempts: HTTP 500 from 127\.0\.0\.1/);
    // The follow-up reached the admins by mail and the webhooks that worked.
    const followUp = sink.mails.find((m) => m.parsed.subject?.startsWith('[freezer-dr] Notification failure'));
    expect(followUp?.parsed.text).toContain('webhook:json');
    expect(hooks.hits.filter((h) => h.path === SLACK_TOKEN_PATH).map((h) => String(h.body.text))).toEqual([
      expect.stringContaining('PARTIAL'),
      expect.stringContaining('Notification failure'),
    ]);
  });

  test('gate alerts reach every admin channel', async () => {
    hooks = await startHookServer();
    const records = await notifyAdmins(
      { config: config(), log, now: () => new Date(at(0)), retry: { attempts: 2, baseDelayMs: 5 } },
      {
        subject: 'Storm gate: 3 hosts down, nothing fenced',
        text: '3 of 8 hosts are down (limit 1 host / 34 %): compute-1, compute-2, compute-5',
        gate: 'storm',
      },
    );
    expect(records).toHaveLength(4);
    expect(records.every((r) => r.ok && r.kind === 'admin')).toBe(true);
    const mail = (await sink.waitFor(1))[0]!;
    expect(mail.rcptTo).toEqual(['ops@example.org']);
    expect(mail.parsed.subject).toBe('[freezer-dr] Storm gate: 3 hosts down, nothing fenced');
    for (const body of [mail.parsed.text!, String(mail.parsed.html)]) {
      expect(body).toContain('compute-1, compute-2, compute-5');
      expect(body).toContain('Storm gate: too many hosts failed');
      expect(body).toContain('maxFailedHosts');
    }
    const json = hooks.hits.find((h) => h.path === '/generic')!.body;
    expect(json).toMatchObject({ scope: 'alert', data: { gate: 'storm' } });
  });
});
