import type { CapacityConfig, NotificationConfig } from '../config/index.js';
import { notifyCapacityLost } from '../notify/index.js';
import type { CapacityDeps } from './observe.js';
import { runCapacity } from './run.js';
import { CapacityVerdictSchema, type CapacityReport, type CapacityVerdict } from './schemas.js';
import { describeResources } from './text.js';

/** The last scheduled verdict (ok or not, and the worst-case host): one mail per episode. */
export const CAPACITY_VERDICT_SETTING = 'capacity-verdict';
/** When the scheduled run last started (the watcher runs it every capacity.intervalHours). */
export const CAPACITY_LAST_RUN_SETTING = 'capacity-last-run';

export interface ScheduledDeps extends CapacityDeps {
  config: CapacityConfig;
  notification: NotificationConfig;
}

export interface ScheduledResult {
  ran: boolean;
  report: CapacityReport | null;
  /** The admins were mailed this run (the cloud just lost the ability to absorb its worst case). */
  mailed: boolean;
  previous: CapacityVerdict | null;
}

function parseVerdict(raw: string | undefined): CapacityVerdict | null {
  if (!raw) return null;
  try {
    const v = CapacityVerdictSchema.safeParse(JSON.parse(raw));
    return v.success ? v.data : null;
  } catch {
    return null;
  }
}

/** The alert text: what would be left over if the worst-case host failed, and the room there is now. */
export function lossText(report: CapacityReport): string {
  const failing = report.answers.filter((a) => !a.cloud.fits);
  const worst = failing.find((a) => a.host === report.worstCase?.host) ?? failing[0];
  if (!worst) return 'Every host could be absorbed.';
  const lines = [
    `If ${worst.host} failed now, ${worst.cloud.unplaced.length} of its ${worst.instances} evacuable instance(s) would find no room:`,
    ...worst.cloud.unplaced.slice(0, 15).map((u) => `  - ${u.name} (${u.id}): ${u.reason}`),
  ];
  const others = failing.filter((a) => a !== worst).map((a) => a.host);
  if (others.length) lines.push('', `The loss of these hosts could not be absorbed either: ${others.join(', ')}.`);
  lines.push(
    '',
    `Room now on the ${report.now.hosts} host(s) that take evacuated instances: ${describeResources(report.now.free, report.now.capacity)}.`,
    `Measured at ${report.at}.`,
  );
  return lines.join('\n');
}

/**
 * The scheduled capacity check (the local watcher, the daily Lambda): runs when due (or `force`),
 * remembers the verdict, and mails the admins once when the cloud can no longer absorb the loss
 * of its worst-case host — again only after it could and then could not. A run that fails is
 * logged and leaves the verdict as it was.
 */
export async function runScheduledCapacity(
  deps: ScheduledDeps,
  opts: { force?: boolean } = {},
): Promise<ScheduledResult> {
  const previous = parseVerdict(await deps.store.getSetting(CAPACITY_VERDICT_SETTING));
  const idle = { ran: false, report: null, mailed: false, previous };
  if (!deps.config.scheduled) return idle;
  const now = deps.now();
  const last = Date.parse((await deps.store.getSetting(CAPACITY_LAST_RUN_SETTING)) ?? '');
  if (!opts.force && Number.isFinite(last) && now.getTime() - last < deps.config.intervalHours * 3_600_000) return idle;
  // Recorded before the run: a run that fails is not retried on every pass.
  await deps.store.putSetting(CAPACITY_LAST_RUN_SETTING, now.toISOString());
  let report: CapacityReport;
  try {
    const signal = AbortSignal.timeout(deps.config.timeoutSeconds * 1000);
    report = await runCapacity({ ...deps, signal: deps.signal ? AbortSignal.any([deps.signal, signal]) : signal });
  } catch (err) {
    deps.log?.error('capacity: the scheduled check could not run', {
      error: `${(err as Error).name}: ${(err as Error).message}`,
    });
    return { ...idle, ran: true };
  }
  const verdict: CapacityVerdict = { at: report.at, ok: report.ok, worstHost: report.worstCase?.host ?? null };
  await deps.store.putSetting(CAPACITY_VERDICT_SETTING, JSON.stringify(verdict));
  let mailed = false;
  if (!report.ok && (previous?.ok ?? true)) {
    const host = report.worstCase?.host ?? 'a host';
    deps.log?.warn(`capacity: the cloud can no longer absorb the loss of ${host}`, { worstCase: report.worstCase });
    await notifyCapacityLost(
      { config: deps.notification, log: deps.log, now: deps.now },
      { host, text: lossText(report) },
    ).catch((err: unknown) => deps.log?.error('capacity alert could not be sent', { error: String(err) }));
    mailed = true;
  } else if (report.ok && previous && !previous.ok) {
    deps.log?.info('capacity: the cloud can absorb the loss of any host again', { worstCase: report.worstCase });
  }
  return { ran: true, report, mailed, previous };
}
