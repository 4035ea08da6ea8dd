import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../lib/log/index.js';
import { renderIncidentHtml } from '../../../lib/notify/index.js';
import { gateAlertMessage, projectMessage, type ComposeContext } from '../../../lib/notify/messages.js';
import { buildReport } from '../../../lib/notify/report.js';
import { templateRenderer } from '../../../lib/notify/templates.js';
import { webhookPayload } from '../../../lib/notify/webhook-payloads.js';
import { at, instance, sampleEvents, sampleIncident } from './fixtures.js';

const audience = {
  projectId: 'p-web',
  projectName: 'web-shop',
  recipients: ['a@x.org'],
  members: 1,
  filteredOut: 0,
  withoutEmail: 0,
  extra: [],
  fallback: false,
  lookupError: null,
  adminsDropped: 0,
};
const warnings: string[] = [];
const log = createLogger({ level: 'warn', write: (l) => warnings.push(l) });
const ctx = (overrideDir?: string): ComposeContext => ({
  renderer: templateRenderer({ overrideDir }),
  timeZone: 'UTC',
  admins: ['ops@example.org'],
  contact: 'ops@example.org',
  now: new Date(at(120)),
  log,
});
const hostile = '<script>alert(1)</script> & "quotes"';

describe('templates', () => {
  test('HTML escapes everything that comes from the cloud; the text part does not', () => {
    const report = buildReport({
      incident: sampleIncident(),
      instances: [instance('i-x', { name: hostile, reason: null })],
      events: sampleEvents(),
    });
    const m = projectMessage(ctx(), report, audience);
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(m.text).toContain(hostile);
  });

  test('an override directory replaces only the files it has; partials are overridable too', () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'fdr-tpl2-'));
    writeFileSync(join(dir2, 'layout.html.eta'), '<html><body class="ours"><%~ it.body %></body></html>');
    const report = buildReport({
      incident: sampleIncident(),
      instances: [instance('i-web-1')],
      events: sampleEvents(),
    });
    const m = projectMessage(ctx(dir2), report, audience);
    expect(m.html).toMatch(/^<html><body class="ours">/);
    expect(m.html).toContain('What this means for you');
    expect(m.text).toContain('YOUR INSTANCES IN PROJECT web-shop (p-web)');
  });

  test('a broken override falls back to the built-in template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-tpl-'));
    writeFileSync(join(dir, 'project.txt.eta'), '<% this is not javascript %>');
    const report = buildReport({
      incident: sampleIncident(),
      instances: [instance('i-web-1')],
      events: sampleEvents(),
    });
    warnings.length = 0;
    const m = projectMessage(ctx(dir), report, audience);
    expect(m.text).toContain('YOUR INSTANCES IN PROJECT web-shop (p-web)');
    expect(warnings.join('\n')).toContain('operator template failed; using the built-in one');
  });

  test('without any template (a bundle that lost them), the message still goes out as plain text', () => {
    const report = buildReport({
      incident: sampleIncident(),
      instances: [instance('i-web-1')],
      events: sampleEvents(),
    });
    const m = projectMessage(
      { ...ctx(), renderer: templateRenderer({ builtinDir: '/nonexistent/templates' }) },
      report,
      audience,
    );
    expect(m.subject).toContain('Host compute-1 failed');
    expect(m.text).toContain('web-1 (i-web-1): evacuated → compute-2');
    expect(m.html).toContain('<pre');
  });

  test('template names cannot escape the templates directory', () => {
    expect(() => templateRenderer().text('../../../etc/passwd', {})).toThrow(/inside the templates directory/);
  });

  test('gate alerts explain the gate and what to do', () => {
    const m = gateAlertMessage(ctx(), {
      subject: 'Observer gate: Nova unreachable',
      text: 'GET /os-services: connect ETIMEDOUT',
      gate: 'observer',
    });
    expect(m.subject).toBe('[freezer-dr] Observer gate: Nova unreachable');
    expect(m.text).toContain('Observer gate: the cloud API or the second signal could not be read');
    expect(m.text).toContain('GET /os-services: connect ETIMEDOUT');
    expect(m.html).toContain('Check the VPN');
    expect(m.recipients).toEqual(['ops@example.org']);
  });
});

describe('renderIncidentHtml', () => {
  test('the admin page from stored records: self-contained HTML with the chart as tables', () => {
    const incident = sampleIncident({
      status: 'partial',
      notifications: [
        {
          channel: 'email:smtp',
          recipient: 'bob@example.org',
          kind: 'project',
          ok: false,
          detail: 'after 3 attempts: ECONNREFUSED',
          at: at(121),
          messageId: '<m1>',
        },
      ],
    });
    const html = renderIncidentHtml(
      {
        incident,
        instances: [
          instance('i-web-1'),
          instance('i-web-2', { outcome: 'failed', targetHost: null, reason: 'No valid host was found.' }),
        ],
        events: sampleEvents(),
      },
      { timeZone: 'Europe/Paris' },
    );
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('PARTIAL · compute-1');
    expect(html).toContain('No valid host was found.');
    expect(html).toContain('bob@example.org');
    expect(html).toContain('15:05:00 CET');
    expect(html).not.toMatch(/<script|<link|<img|url\(/i);
    // chart rows are table cells with percentage widths and background colours
    expect(html).toMatch(/<td width="\d+%" height="14" bgcolor="#[0-9a-f]{6}"/);
  });
});

describe('webhook payloads', () => {
  const report = buildReport({ incident: sampleIncident(), instances: [instance('i-web-1')], events: sampleEvents() });
  const m = projectMessage(ctx(), report, audience);
  const admin = {
    ...m,
    kind: 'admin' as const,
    digest: {
      title: 'RESOLVED compute-1 <b>',
      severity: 'ok' as const,
      facts: [['Host', 'compute-1']] as Array<[string, string]>,
      lines: ['a < b & c'],
    },
  };

  test('slack: text fallback + blocks, mrkdwn escaped', () => {
    const p = webhookPayload('slack', admin, '<id>') as { text: string; blocks: unknown[] };
    expect(p.text).toMatch(/^:white_check_mark: /);
    expect(JSON.stringify(p.blocks)).toContain('a &lt; b &amp; c');
    expect(p.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'RESOLVED compute-1 <b>', emoji: true },
    });
  });

  test('teams: an Adaptive Card in a message attachment', () => {
    const p = webhookPayload('teams', admin, '<id>') as {
      type: string;
      attachments: Array<{
        contentType: string;
        content: { version: string; body: Array<{ type: string; color?: string }> };
      }>;
    };
    expect(p.type).toBe('message');
    expect(p.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(p.attachments[0]!.content.body[0]).toMatchObject({ type: 'TextBlock', color: 'good' });
  });

  test('json: the structured data and the message id', () => {
    const p = webhookPayload('json', admin, '<id>') as Record<string, unknown>;
    expect(p).toMatchObject({
      source: 'freezer-dr',
      version: 1,
      messageId: '<id>',
      kind: 'admin',
      facts: { Host: 'compute-1' },
    });
  });
});
