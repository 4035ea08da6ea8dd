import type { WebhookNotifierConfig } from '../config/index.js';
import type { OutgoingMessage } from './schemas.js';

/** The webhook body for one message, in the configured format. Pure: tested on its own. */
export function webhookPayload(
  format: WebhookNotifierConfig['format'],
  message: OutgoingMessage,
  messageId: string,
): unknown {
  switch (format) {
    case 'json':
      return jsonPayload(message, messageId);
    case 'slack':
      return slackPayload(message);
    case 'teams':
      return teamsPayload(message);
  }
}

/** Generic JSON: everything a receiver needs to route or store the event. */
function jsonPayload(m: OutgoingMessage, messageId: string) {
  return {
    source: 'freezer-dr',
    version: 1,
    messageId,
    scope: m.scope,
    kind: m.kind,
    severity: m.digest.severity,
    subject: m.subject,
    title: m.digest.title,
    facts: Object.fromEntries(m.digest.facts),
    lines: m.digest.lines,
    text: m.text,
    data: m.data,
  };
}

const SLACK_EMOJI = { ok: ':white_check_mark:', warning: ':warning:', critical: ':rotating_light:' } as const;

/** Slack incoming webhook (and Mattermost / Rocket.Chat, which accept the same): `text` + Block Kit. */
function slackPayload(m: OutgoingMessage) {
  const fields = m.digest.facts
    .slice(0, 10)
    .map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${slackEscape(k)}*\n${slackEscape(v)}`, 2000) }));
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.digest.title, 150), emoji: true } },
  ];
  if (fields.length) blocks.push({ type: 'section', fields });
  if (m.digest.lines.length) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(m.digest.lines.map(slackEscape).join('\n'), 2900) },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(`freezer-dr · ${slackEscape(m.scope)}`, 300) }],
  });
  return { text: `${SLACK_EMOJI[m.digest.severity]} ${slackEscape(m.subject)}`, blocks };
}

const TEAMS_COLOUR = { ok: 'good', warning: 'warning', critical: 'attention' } as const;

/** Microsoft Teams (Workflows "post to a channel when a webhook request is received"): an Adaptive Card. */
function teamsPayload(m: OutgoingMessage) {
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: m.digest.title,
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: TEAMS_COLOUR[m.digest.severity],
    },
  ];
  if (m.digest.facts.length)
    body.push({ type: 'FactSet', facts: m.digest.facts.map(([title, value]) => ({ title, value })) });
  for (const line of m.digest.lines.slice(0, 60))
    body.push({ type: 'TextBlock', text: line, wrap: true, spacing: 'None', fontType: 'Monospace', size: 'Small' });
  body.push({ type: 'TextBlock', text: `freezer-dr · ${m.scope}`, isSubtle: true, size: 'Small', wrap: true });
  return {
    type: 'message',
    summary: m.subject,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

/** Slack mrkdwn needs only &, < and > escaped. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
