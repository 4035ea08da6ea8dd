import type { NotificationRecord } from '../incidents/index.js';
import { SUBJECT_PREFIX } from './constants.js';
import { alertMessage, type ComposeContext } from './messages.js';
import { notifyAdmins, type NotifyAdminsDeps } from './notify-admins.js';
import type { AdminAlert, OutgoingMessage } from './schemas.js';
import { formatInstant } from './time.js';

/** What the capacity alert says beyond the facts the check found (lib/capacity composes `text`). */
const CAPACITY = {
  title: 'Capacity: the cloud can no longer absorb the loss of a host',
  explanation:
    "freezer-dr's scheduled capacity check packs each host's evacuable instances onto the other hosts that take evacuated instances, from Placement's inventories (allocation ratios, reserved amounts, max_unit) and usages. For the host named here, some instances would find no room: a recovery would leave them in ERROR (No valid host was found). The estimate is conservative and does not model scheduler filters such as affinity or traits.",
  advice: [
    'Add capacity, return repaired hosts to service (freezer-dr return --host HOST) or keep a reserved host.',
    'See every host and scope with: freezer-dr capacity',
    'This alert is sent once: the next one comes only after the cloud could absorb the loss again and then lost that ability.',
  ],
};

/** The capacity alert: the gate-alert layout with the capacity check's own title, explanation and advice. */
export function capacityAlertMessage(ctx: ComposeContext, alert: AdminAlert): OutgoingMessage {
  const subject = alert.subject.startsWith(SUBJECT_PREFIX) ? alert.subject : `${SUBJECT_PREFIX} ${alert.subject}`;
  const at = formatInstant(ctx.now, ctx.timeZone);
  const facts: Array<[string, string]> = [
    ['When', at],
    ['Check', 'capacity'],
  ];
  if (alert.host) facts.push(['Worst-case host', alert.host]);
  return alertMessage(ctx, alert, {
    subject,
    at,
    facts,
    title: CAPACITY.title,
    explanation: CAPACITY.explanation,
    advice: CAPACITY.advice,
    gate: 'capacity',
    kicker: 'capacity check',
    key: ['capacity', `capacity\n${alert.host ?? ''}\n${alert.text}`],
    data: { check: 'capacity' },
  });
}

/** Mail the admins that the cloud can no longer absorb the loss of `host` (every admin address and feed). */
export function notifyCapacityLost(
  deps: NotifyAdminsDeps,
  alert: { host: string; text: string },
): Promise<NotificationRecord[]> {
  return notifyAdmins(
    deps,
    {
      subject: `the cloud can no longer absorb the loss of ${alert.host}`,
      text: alert.text,
      gate: 'capacity',
      host: alert.host,
    },
    capacityAlertMessage,
  );
}
