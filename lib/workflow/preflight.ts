import * as z from 'zod';
import { limiter } from '../async/index.js';
import { errorMessage } from '../errors.js';
import { notifyAdmins, verifyChannels } from '../notify/index.js';
import { listComputeServices } from '../openstack/index.js';
import { checkMicroversion, readFence } from './readiness.js';
import { reservedHostChecks } from './preflight-reserved.js';
import type { Runtime } from './runtime.js';

/**
 * The preflight (fence-agents' `monitor` / `validate-all`, for the whole deployment): what a
 * recovery will need, checked before it is needed, so misconfiguration surfaces on a quiet day
 * and not in the middle of an incident.
 */
export const PreflightCheckSchema = z.object({
  check: z.enum(['cloud', 'microversion', 'bmc', 'second-signal', 'mail', 'reserved-host']),
  target: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});
export type PreflightCheck = z.infer<typeof PreflightCheckSchema>;
export const PreflightReportSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  checks: z.array(PreflightCheckSchema),
});
export type PreflightReport = z.infer<typeof PreflightReportSchema>;

/** BMC reads at once: enough to finish a few hundred hosts quickly, few enough not to flood the OOB network. */
const BMC_CONCURRENCY = 8;
const LAST_REPORT_SETTING = 'preflight:last';

export async function runPreflight(rt: Runtime, signal?: AbortSignal): Promise<PreflightReport> {
  const checks: PreflightCheck[] = [];
  try {
    const { services } = await listComputeServices(rt.session, signal);
    checks.push({ check: 'cloud', target: 'nova', ok: true, detail: `${services.length} compute services listed` });
    checks.push(await microversionCheck(rt, signal));
    const enabled = services.filter((s) => s.status === 'enabled' && !s.forcedDown).map((s) => s.host);
    const limit = limiter(BMC_CONCURRENCY);
    checks.push(...(await Promise.all(enabled.map((host) => limit(() => bmcCheck(rt, host, signal))))));
    checks.push(await secondSignalCheck(rt, enabled, signal));
    checks.push(...(await reservedHostChecks(rt, services, signal)));
  } catch (err) {
    checks.push({ check: 'cloud', target: 'nova', ok: false, detail: errorMessage(err) });
  }
  for (const c of await verifyChannels(rt.config.notification, { log: rt.log, signal }))
    checks.push({ check: 'mail', target: c.channel, ok: c.ok, detail: c.detail });
  return { at: rt.now().toISOString(), ok: checks.every((c) => c.ok), checks };
}

async function microversionCheck(rt: Runtime, signal?: AbortSignal): Promise<PreflightCheck> {
  const m = await checkMicroversion(rt, signal);
  return {
    check: 'microversion',
    target: `evacuation.microversionPolicy ${m.policy}`,
    ok: m.ok,
    detail: `needs ${m.needs}; the cloud offers ${m.ok ? '' : 'only '}up to ${m.cloudMax}`,
  };
}

async function bmcCheck(rt: Runtime, host: string, signal?: AbortSignal): Promise<PreflightCheck> {
  const f = await readFence(rt, host, { fence: 'bmc', signal });
  if (f.driver === 'manual')
    return { check: 'bmc', target: host, ok: true, detail: 'manual driver: an operator powers it off' };
  if (f.problem) return { check: 'bmc', target: host, ok: false, detail: f.problem };
  return { check: 'bmc', target: host, ok: true, detail: `${f.target} reads power ${f.power}` };
}

/** The second signal answers for the enabled hosts: without it nothing is fenced (fail closed). */
async function secondSignalCheck(rt: Runtime, hosts: string[], signal?: AbortSignal): Promise<PreflightCheck> {
  const { confirmation, secondSignal } = rt.config.monitor;
  if (!secondSignal)
    return confirmation === 'nova-only'
      ? {
          check: 'second-signal',
          target: 'monitor',
          ok: true,
          detail: "none (confirmation nova-only: Nova's heartbeat alone decides)",
        }
      : {
          check: 'second-signal',
          target: 'monitor',
          ok: false,
          detail: 'monitor.secondSignal is not configured: nothing will be fenced',
        };
  // Loaded on use: the monitor area itself starts recoveries through this one (lib/workflow).
  const { loadSecondSignal } = await import('../monitor/index.js');
  const observed = await (await loadSecondSignal(secondSignal.driver))({ config: secondSignal, hosts, signal });
  if (!observed.ok)
    return {
      check: 'second-signal',
      target: observed.source,
      ok: false,
      detail: `${observed.error.name}: ${observed.error.message}`,
    };
  const readings = Object.values(observed.hosts);
  const alive = readings.filter((r) => r.reachability === 'alive').length;
  const unknown = hosts.filter(
    (h) => observed.hosts[h]?.reachability !== 'alive' && observed.hosts[h]?.reachability !== 'unreachable',
  );
  return {
    check: 'second-signal',
    target: observed.source,
    ok: unknown.length === 0,
    detail: `${alive} of ${hosts.length} enabled hosts answer${unknown.length ? `; no reading for ${unknown.join(', ')}` : ''}`,
  };
}

/**
 * Run the preflight, remember it, and tell the admins once when a check that passed before
 * (or was never run) now fails. Returns the report and what newly failed.
 */
export async function preflightAndAlert(
  rt: Runtime,
  signal?: AbortSignal,
): Promise<{ report: PreflightReport; degraded: PreflightCheck[] }> {
  const report = await runPreflight(rt, signal);
  const previous = parsePrevious(await rt.store.getSetting(LAST_REPORT_SETTING));
  const failedBefore = new Set(previous?.checks.filter((c) => !c.ok).map((c) => `${c.check}:${c.target}`) ?? []);
  const degraded = report.checks.filter((c) => !c.ok && !failedBefore.has(`${c.check}:${c.target}`));
  await rt.store.putSetting(LAST_REPORT_SETTING, JSON.stringify(report));
  if (degraded.length) {
    rt.log.warn('preflight: checks failing', { failing: degraded.map((c) => `${c.check} ${c.target}: ${c.detail}`) });
    await notifyAdmins(
      { config: rt.config.notification, log: rt.log, now: rt.now, signal },
      {
        subject: `freezer-dr preflight: ${degraded.length} check(s) now failing`,
        gate: 'preflight',
        text: [
          'These checks passed before (or were never run) and fail now. A recovery that needs them will stop:',
          '',
          ...degraded.map((c) => `- ${c.check} ${c.target}: ${c.detail}`),
          '',
          'See all checks with: freezer-dr check --preflight',
        ].join('\n'),
      },
    );
  }
  return { report, degraded };
}

function parsePrevious(raw: string | undefined): PreflightReport | null {
  if (!raw) return null;
  try {
    const parsed = PreflightReportSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
