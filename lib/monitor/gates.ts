import type { MonitorConfig } from '../config/index.js';
import type { AggregateLimit, Gate, HostDecision, PauseState, RecentRecovery, SecondObserved } from './schemas.js';

/** The aggregates read for this pass: their limits, an error (fail closed), or not read (nothing looked down). */
export type AggregatesObserved = { ok: true; aggregates: AggregateLimit[] } | { ok: false; error: string } | null;

export interface GateContext {
  config: MonitorConfig;
  hosts: HostDecision[];
  second: SecondObserved | null;
  /** Recoveries in flight or ended within `gates.recentRecoveryWindowSeconds`. */
  recent: RecentRecovery[];
  aggregates: AggregatesObserved;
  pause: PauseState;
}

const names = (list: HostDecision[]) => list.map((h) => h.host);
const by = (hosts: HostDecision[], ...verdicts: HostDecision['verdict'][]) =>
  hosts.filter((h) => verdicts.includes(h.verdict));

/**
 * Every gate of one pass, in the order the admins should read them. Blocking gates stop every new
 * fence; the aggregate gate holds only its own hosts; the rest are per-host news (one alert each).
 */
export function evaluateGates(ctx: GateContext): Gate[] {
  return [
    ...secondSignalGates(ctx),
    ...perHostNews(ctx.hosts, ctx.config.graceSeconds, ctx.second?.ok === true),
    ...fleetGate(ctx),
    ...aggregateGates(ctx),
    ...pauseGate(ctx),
  ];
}

/** Fail closed when the second source is missing or unreadable; hold everything on a cliff. */
function secondSignalGates(ctx: GateContext): Gate[] {
  const { config, second, hosts } = ctx;
  if (config.confirmation === 'nova-only') return [];
  if (!second) {
    const waiting = by(hosts, 'unconfirmed');
    if (!waiting.length) return [];
    return [
      {
        gate: 'no-second-signal',
        reason: `monitor.confirmation is second-signal but no monitor.secondSignal is configured: ${waiting.length} host(s) Nova reports down are not fenced. Configure a prometheus or tcp-probe second signal, or set monitor.confirmation: nova-only to act on Nova alone`,
        hosts: names(waiting),
        blocking: true,
      },
    ];
  }
  if (!second.ok)
    return [
      {
        gate: 'observer',
        reason: `cannot read the second signal (${second.source}: ${second.error.name}: ${second.error.message}); fencing nothing on Nova's word alone`,
        hosts: names(by(hosts, 'unconfirmed')),
        blocking: true,
      },
    ];
  return cliffGate(ctx);
}

/**
 * Partition guard: many enabled hosts dark on the second signal at once. Forced-down, disabled
 * and excluded hosts are not counted: hosts out for repair are expected to be dark.
 */
function cliffGate(ctx: GateContext): Gate[] {
  const fleet = ctx.hosts.filter((h) => !['fenced', 'disabled', 'excluded'].includes(h.verdict));
  const dark = fleet.filter((h) => h.secondSignal?.reachability === 'unreachable');
  const percent = fleet.length ? (100 * dark.length) / fleet.length : 0;
  if (dark.length < 2 || percent <= ctx.config.cliffPercent) return [];
  return [
    {
      gate: 'partition',
      reason: `${dark.length} of ${fleet.length} enabled hosts (${percent.toFixed(0)}%, more than ${ctx.config.cliffPercent}%) are unreachable on the second signal at once (${names(dark).join(', ')}): the watcher's own network path is the likelier cause; fencing nothing this pass`,
      hosts: names(dark),
      blocking: true,
    },
  ];
}

/** Per-host news: mailed once per episode each (the key carries the host), never blocking others. */
function perHostNews(hosts: HostDecision[], graceSeconds: number, secondReadable: boolean): Gate[] {
  const gates: Gate[] = [];
  const inFlight = by(hosts, 'in-flight');
  if (inFlight.length)
    gates.push({
      gate: 'in-flight',
      reason: `recovery already running for ${names(inFlight).join(', ')}`,
      hosts: names(inFlight),
      blocking: false,
    });
  // Only once it has lasted a grace period (suspectForSeconds counts it for host-answers).
  for (const h of by(hosts, 'host-answers').filter((x) => (x.suspectForSeconds ?? 0) >= graceSeconds))
    gates.push({
      gate: 'host-answers',
      reason: `nova-compute down but the host answers: check nova-compute and RabbitMQ on ${h.host}. ${h.reason}`,
      hosts: [h.host],
      blocking: false,
      key: `host-answers:${h.host}`,
    });
  // A host Nova calls down that the second signal knows nothing about is not recovered: say so.
  // (When the source itself is missing or unreadable, its own blocking gate says it.)
  if (secondReadable)
    for (const h of by(hosts, 'unconfirmed'))
      gates.push({
        gate: 'unconfirmed',
        reason: h.reason,
        hosts: [h.host],
        blocking: false,
        key: `unconfirmed:${h.host}`,
      });
  for (const h of by(hosts, 'fence-failed'))
    gates.push({
      gate: 'fence-failed',
      reason: h.reason,
      hosts: [h.host],
      blocking: false,
      key: `fence-failed:${h.host}`,
    });
  return gates;
}

/** All-stale, then storm: one fleet-wide reading of "too much at once", as before. */
function fleetGate(ctx: GateContext): Gate[] {
  const failed = by(ctx.hosts, 'failed');
  if (!failed.length) return [];
  return allStaleGate(ctx, failed) ?? stormGate(ctx, failed) ?? [];
}

/**
 * Only enabled hosts count, and only those that really look stale or down: healthy hosts an
 * operator disabled for maintenance are neither numerator nor denominator.
 */
function allStaleGate(ctx: GateContext, failed: HostDecision[]): Gate[] | null {
  const enabled = ctx.hosts.filter((h) => !['fenced', 'disabled', 'excluded'].includes(h.verdict));
  const down = enabled.filter((h) => h.verdict !== 'healthy');
  const percent = enabled.length ? (100 * down.length) / enabled.length : 0;
  if (enabled.length < 2 || percent < ctx.config.gates.allStalePercent) return null;
  return [
    {
      gate: 'all-stale',
      reason: `${down.length} of ${enabled.length} compute services look down or stale at once (enabled ones; ≥ ${ctx.config.gates.allStalePercent}%): a control-plane or network problem, not host failures; fencing nothing`,
      hosts: names(failed),
      blocking: true,
    },
  ];
}

/**
 * Hosts the second signal has already lost while Nova still has a fresh heartbeat from them. Hosts
 * that lose power together go dark on the second signal together, but stale in Nova up to a
 * report interval apart: counting them here lets the storm gate see them all at once, so the grace
 * no longer has to outlast the heartbeat skew.
 */
function darkButHeartbeating(ctx: GateContext): HostDecision[] {
  if (ctx.config.confirmation !== 'second-signal' || !ctx.second?.ok) return [];
  return by(ctx.hosts, 'healthy').filter((h) => h.secondSignal?.reachability === 'unreachable');
}

/**
 * Simultaneous trouble: new failures + suspects (confirmed or not: hosts dying together go stale
 * a heartbeat apart) + hosts the second signal lost while Nova still hears them + recoveries in
 * flight or ended within the window. Hosts recovered earlier
 * and out for repair do not count, so one recovery never switches automatic HA off.
 */
function stormGate(ctx: GateContext, failed: HostDecision[]): Gate[] | null {
  const { gates } = ctx.config;
  const suspects = by(ctx.hosts, 'suspect', 'unconfirmed');
  const dark = darkButHeartbeating(ctx);
  const counted = new Set([...names(failed), ...names(suspects), ...names(dark)]);
  const recent = [...new Map(ctx.recent.filter((r) => !counted.has(r.host)).map((r) => [r.host, r])).values()];
  const affected = counted.size + recent.length;
  const enabled = ctx.hosts.filter((h) => !['disabled', 'excluded', 'fenced'].includes(h.verdict)).map((h) => h.host);
  const pool = new Set([...enabled, ...recent.map((r) => r.host)]).size;
  const percent = pool ? (100 * affected) / pool : 0;
  if (affected <= gates.maxFailedHosts && percent <= gates.maxFailedPercent) return null;
  const list = (label: string, hs: string[]) => `${hs.length} ${label}${hs.length ? ` (${hs.join(', ')})` : ''}`;
  const recentLabel = `recovered or in recovery within ${gates.recentRecoveryWindowSeconds} s`;
  return [
    {
      gate: 'storm',
      reason: `${list('new failure(s)', names(failed))} + ${list('suspect', names(suspects))} + ${
        dark.length ? `${list('dark on the second signal', names(dark))} + ` : ''
      }${list(
        recentLabel,
        recent.map((r) => r.host),
      )} = ${affected} of ${pool} hosts (${percent.toFixed(0)}%), beyond the limit of ${gates.maxFailedHosts} host(s) / ${gates.maxFailedPercent}%; fencing nothing new`,
      // The suspects are held back too: the admins must see every host the gate is about.
      hosts: [...names(failed), ...names(suspects), ...names(dark)],
      blocking: true,
    },
  ];
}

/**
 * Per-aggregate / per-AZ limits from `freezer-dr:max_failures`. Each aggregate over its limit
 * holds its own failed hosts; a host in several aggregates is held by the most restrictive.
 */
function aggregateGates(ctx: GateContext): Gate[] {
  const failed = by(ctx.hosts, 'failed');
  if (!failed.length || !ctx.config.gates.aggregateLimits || !ctx.aggregates) return [];
  if (!ctx.aggregates.ok)
    return [
      {
        gate: 'aggregate',
        reason: `cannot read the aggregates' freezer-dr:max_failures limits (${ctx.aggregates.error}); fencing nothing until they can be read`,
        hosts: names(failed),
        blocking: true,
      },
    ];
  const trouble = new Set([
    ...names(by(ctx.hosts, 'failed', 'suspect', 'unconfirmed')),
    ...ctx.recent.map((r) => r.host),
  ]);
  const gates: Gate[] = [];
  for (const agg of ctx.aggregates.aggregates) {
    const held = failed.filter((h) => agg.hosts.includes(h.host));
    if (!held.length || (agg.maxFailures === null && !agg.invalid)) continue;
    const inTrouble = agg.hosts.filter((h) => trouble.has(h));
    const where = `aggregate ${agg.name}${agg.availabilityZone ? ` (zone ${agg.availabilityZone})` : ''}`;
    let reason: string | null = null;
    if (agg.invalid) reason = `${where}: ${agg.invalid}; its hosts are not fenced until the metadata is fixed`;
    else if (inTrouble.length > agg.maxFailures!)
      reason = `${where}: ${inTrouble.length} host(s) in trouble (${inTrouble.join(', ')}), beyond its freezer-dr:max_failures of ${agg.maxFailures}; fencing nothing new in it`;
    if (reason)
      gates.push({ gate: 'aggregate', reason, hosts: names(held), blocking: false, key: `aggregate:${agg.name}` });
  }
  return gates;
}

function pauseGate(ctx: GateContext): Gate[] {
  const failed = by(ctx.hosts, 'failed');
  if (!failed.length || !ctx.pause.paused) return [];
  const who =
    ctx.pause.source === 'config'
      ? 'monitor.paused in the config'
      : `freezer-dr pause${ctx.pause.by ? ` by ${ctx.pause.by}` : ''}${ctx.pause.since ? ` at ${ctx.pause.since}` : ''}`;
  return [
    {
      gate: 'paused',
      reason: `recoveries are paused (${who}; freezer-dr resume to lift); reporting only`,
      hosts: names(failed),
      blocking: true,
    },
  ];
}
