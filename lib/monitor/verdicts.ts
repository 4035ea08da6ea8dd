import type { MonitorConfig } from '../config/index.js';
import { incidentIdFor, type Observation } from '../incidents/index.js';
import type { FenceFailed, HostDecision, HostSignal, SecondObserved } from './schemas.js';

/** Everything a per-host verdict depends on, fixed for one pass. */
export interface HostContext {
  config: MonitorConfig;
  /** What heartbeat ages are measured against (ms). */
  ageReference: number;
  /** The pass's time (grace periods, incident ids). */
  now: Date;
  /** `now` as ISO text, made once per pass: thousands of hosts share it. */
  nowIso: string;
  /** Our own clock: fence-failed age, re-fence delay, last-healthy marks (all written by us). */
  localNow: Date;
  localNowIso: string;
  previous: ReadonlyMap<string, Observation>;
  excluded: ReadonlySet<string>;
  openIncidents: ReadonlySet<string>;
  /** null: no second signal configured. */
  second: SecondObserved | null;
  fenceFailed: ReadonlyMap<string, FenceFailed>;
}

export interface HostJudgement {
  decision: HostDecision;
  observation: Observation;
}

type Base = Omit<HostDecision, 'verdict' | 'reason' | 'suspectSince'>;

/**
 * One host's verdict. Nova's listing says whether it may be dead; the second signal must agree
 * before grace starts (`second-signal`); grace survives between passes through the observations.
 */
export function judgeHost(s: HostSignal, ctx: HostContext): HostJudgement {
  const { config } = ctx;
  const heartbeat = s.updatedAt ? Date.parse(s.updatedAt) : Number.NaN;
  const age = Number.isNaN(heartbeat) ? null : Math.max(0, (ctx.ageReference - heartbeat) / 1000);
  const novaDown = s.state === 'down' || age === null || age > config.staleAfterSeconds;
  const reading = readingFor(ctx.second, s.host);
  const base: Base = {
    host: s.host,
    state: s.state,
    status: s.status,
    forcedDown: s.forcedDown,
    heartbeatAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
    suspectForSeconds: null,
    graceSeconds: null,
    secondSignal: reading ? { reachability: reading.reachability, detail: reading.detail } : null,
    incidentId: null,
  };
  const prior = ctx.previous.get(s.host);
  const observation: Observation = {
    host: s.host,
    suspectSince: null,
    lastSeenAt: ctx.nowIso,
    lastState: s.state,
    lastHealthyAt: prior?.lastHealthyAt ?? null,
  };
  const quiet = quietVerdict(s, base, novaDown, age, ctx);
  if (quiet) {
    if (quiet.verdict === 'healthy') observation.lastHealthyAt = ctx.localNowIso;
    return { decision: quiet, observation };
  }
  const why = `${s.state === 'down' ? 'state down' : 'state up'}, heartbeat ${age === null ? 'never' : `${age.toFixed(1)} s old`}`;
  // An open incident comes first: whatever the signals say now, the recovery owns the host.
  if (ctx.openIncidents.has(s.host)) {
    observation.suspectSince = prior?.suspectSince ?? null;
    const decision: HostDecision = {
      ...base,
      verdict: 'in-flight',
      suspectSince: observation.suspectSince,
      reason: `${why}${reading ? `; second signal: ${reading.detail}` : ''}; recovery in flight`,
    };
    return { decision, observation };
  }
  const unconfirmed = confirmationProblem(ctx, reading, why, base);
  if (unconfirmed?.verdict === 'host-answers') return answering(unconfirmed, observation, prior, ctx);
  if (unconfirmed) return { decision: unconfirmed, observation };

  // Both signals agree (or nova-only): grace runs from the first pass that saw them agree.
  observation.suspectSince = prior?.suspectSince ?? ctx.nowIso;
  const timed = suspectVerdict(
    base,
    observation.suspectSince,
    `${why}${reading ? `; second signal: ${reading.detail}` : ''}`,
    ctx,
  );
  const graceOver = (timed.suspectForSeconds ?? 0) >= config.graceSeconds;
  return { decision: graceOver ? afterGrace(timed, ctx) : timed, observation };
}

/** A suspect with its grace progress (seconds, unrounded: the grace threshold compares it). */
function suspectVerdict(base: Base, suspectSince: string, why: string, ctx: HostContext): HostDecision {
  const suspectFor = Math.max(0, (ctx.now.getTime() - Date.parse(suspectSince)) / 1000);
  return {
    ...base,
    verdict: 'suspect',
    suspectSince,
    suspectForSeconds: suspectFor,
    graceSeconds: ctx.config.graceSeconds,
    reason: `${why}; suspect for ${suspectFor.toFixed(1)} s of ${ctx.config.graceSeconds} s grace`,
  };
}

/**
 * Nova says down, the host answers. The time it has lasted is kept so the admins are told only
 * once it lasts a grace period: a dying host's second signal goes dark a scrape later than
 * Nova's heartbeat, and that is no news.
 */
function answering(
  decision: HostDecision,
  observation: Observation,
  prior: Observation | undefined,
  ctx: HostContext,
): HostJudgement {
  observation.answersSince = prior?.answersSince ?? ctx.nowIso;
  const answeredFor = Math.max(0, (ctx.now.getTime() - Date.parse(observation.answersSince)) / 1000);
  return {
    decision: {
      ...decision,
      suspectForSeconds: Math.round(answeredFor * 10) / 10,
      graceSeconds: ctx.config.graceSeconds,
    },
    observation,
  };
}

function readingFor(second: SecondObserved | null, host: string) {
  if (!second?.ok) return null;
  return second.hosts[host] ?? { reachability: 'unknown' as const, detail: 'not in the second signal answer' };
}

/** The verdicts that need no grace: excluded, forced down, disabled, healthy. */
function quietVerdict(
  s: HostSignal,
  base: Base,
  novaDown: boolean,
  age: number | null,
  ctx: HostContext,
): HostDecision | null {
  const note = s.disabledReason ? ` (${s.disabledReason})` : '';
  if (ctx.excluded.has(s.host))
    return { ...base, verdict: 'excluded', suspectSince: null, reason: 'listed in monitor.excludeHosts' };
  if (s.forcedDown) return { ...base, verdict: 'fenced', suspectSince: null, reason: `forced down${note}` };
  if (s.status === 'disabled')
    return {
      ...base,
      verdict: 'disabled',
      suspectSince: null,
      reason: `disabled by an operator${s.disabledReason ? `: ${s.disabledReason}` : ''}; never acted on`,
    };
  if (novaDown) return null;
  const dark = base.secondSignal?.reachability === 'unreachable' ? `; second signal: ${base.secondSignal.detail}` : '';
  return { ...base, verdict: 'healthy', suspectSince: null, reason: `heartbeat ${age?.toFixed(1)} s old${dark}` };
}

/** Nova says down but the second signal does not confirm it: never fenced, and why. */
function confirmationProblem(
  ctx: HostContext,
  reading: ReturnType<typeof readingFor>,
  why: string,
  base: Base,
): HostDecision | null {
  if (ctx.config.confirmation === 'nova-only') return null;
  const verdict = (v: 'host-answers' | 'unconfirmed', reason: string): HostDecision => ({
    ...base,
    verdict: v,
    suspectSince: null,
    reason,
  });
  if (!ctx.second)
    return verdict('unconfirmed', `${why}; no second signal is configured (monitor.secondSignal): not fenced`);
  if (!ctx.second.ok)
    return verdict('unconfirmed', `${why}; the second signal could not be read (${ctx.second.error.name}): not fenced`);
  if (reading?.reachability === 'alive')
    return verdict(
      'host-answers',
      `${why}, but the host answers (${reading.detail}): check nova-compute and RabbitMQ on it; never fenced`,
    );
  if (reading?.reachability === 'unknown')
    return verdict('unconfirmed', `${why}; the second signal has no reading for it (${reading.detail}): not fenced`);
  return null;
}

/**
 * Past grace: failed, unless the last fence of this episode failed. Then an operator must act,
 * or the bounded re-fence policy allows one more attempt under a new incident id.
 */
function afterGrace(timed: HostDecision, ctx: HostContext): HostDecision {
  const ff = ctx.fenceFailed.get(timed.host);
  const healthySince = ctx.previous.get(timed.host)?.lastHealthyAt;
  const stillOpen = ff && !(healthySince && ff.closedAt && healthySince > ff.closedAt);
  if (!stillOpen) return { ...timed, verdict: 'failed', incidentId: incidentIdFor(timed.host, timed.suspectSince!) };
  const policy = ctx.config.refence;
  const waited = ff.closedAt ? (ctx.localNow.getTime() - Date.parse(ff.closedAt)) / 1000 : 0;
  if (ff.attempts < policy.maxAttempts && waited >= policy.afterSeconds)
    return {
      ...timed,
      verdict: 'failed',
      incidentId: ff.nextIncidentId,
      reason: `${timed.reason}; re-fence ${ff.attempts + 1} of ${policy.maxAttempts} after ${ff.incidentId} failed to fence`,
    };
  return {
    ...timed,
    verdict: 'fence-failed',
    incidentId: ff.incidentId,
    reason:
      `fence failed in incident ${ff.incidentId}${ff.error ? ` (${ff.error})` : ''}: nothing was evacuated and the monitor will not fence it again. ` +
      `Check its BMC with \`freezer-dr fence status --host ${timed.host}\`; once it is powered off, run \`freezer-dr recover --host ${timed.host} --confirm-fenced\``,
  };
}
