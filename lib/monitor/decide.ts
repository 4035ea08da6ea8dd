import type { MonitorConfig } from '../config/index.js';
import { incidentIdFor } from '../incidents/index.js';
import { referenceClock } from './clock.js';
import type { Observation } from '../incidents/index.js';
import type { Gate, HostDecision, MonitorDecision, Observed, RecoveryRequest } from './schemas.js';

export interface DecideInput {
  observed: Observed;
  /** Our own clock: grace periods when the API gave no Date header; ages too with `local-clock`. */
  localNow: Date;
  observations: Observation[];
  /** Hosts that already have an open incident. */
  openIncidents: ReadonlySet<string>;
  paused: boolean;
  config: MonitorConfig;
}

export interface DecideOutput {
  decision: MonitorDecision;
  observations: Observation[];
}

/**
 * The monitor's whole judgement, with no I/O: signals → suspects → failures (after grace) →
 * gates → who to recover. Heartbeat ages are read against the API's own clock (its Date
 * header, or without one the freshest heartbeat: clock.ts), so a watchdog whose clock drifts, or
 * a VPN that delays answers, cannot invent failures.
 */
export function decide(input: DecideInput): DecideOutput {
  const { observed, config } = input;
  if (!observed.ok) {
    const at = input.localNow.toISOString();
    return {
      decision: {
        at,
        clock: 'local',
        hosts: [],
        gates: [
          {
            gate: 'observer',
            reason: `cannot observe the cloud (${observed.error.name}: ${observed.error.message}); fencing nothing`,
            hosts: [],
          },
        ],
        recover: [],
      },
      // Keep what we knew: an outage of our view must not reset or advance grace periods.
      observations: input.observations,
    };
  }

  const clock = referenceClock(observed.signals, observed.serverDate, input.localNow, config.withoutDateHeader);
  const ageReference = clock.ageReference.getTime();
  const now = clock.at;
  const at = now.toISOString();
  const previous = new Map(input.observations.map((o) => [o.host, o]));
  const excluded = new Set(config.excludeHosts);
  const hosts: HostDecision[] = [];
  const observations: Observation[] = [];

  for (const s of observed.signals) {
    const heartbeat = s.updatedAt ? new Date(s.updatedAt) : null;
    const age =
      heartbeat && !Number.isNaN(heartbeat.getTime()) ? Math.max(0, (ageReference - heartbeat.getTime()) / 1000) : null;
    const stale = age === null || age > config.staleAfterSeconds;
    const looksDown = s.state === 'down' || stale;
    const base = {
      host: s.host,
      state: s.state,
      status: s.status,
      forcedDown: s.forcedDown,
      heartbeatAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
    };
    let decision: HostDecision;
    let suspectSince: string | null = null;

    if (excluded.has(s.host)) {
      decision = { ...base, verdict: 'excluded', suspectSince: null, reason: 'listed in monitor.excludeHosts' };
    } else if (s.forcedDown) {
      decision = {
        ...base,
        verdict: 'fenced',
        suspectSince: null,
        reason: `forced down${s.disabledReason ? ` (${s.disabledReason})` : ''}`,
      };
    } else if (s.status === 'disabled') {
      decision = {
        ...base,
        verdict: 'disabled',
        suspectSince: null,
        reason: `disabled by an operator${s.disabledReason ? `: ${s.disabledReason}` : ''}; never acted on`,
      };
    } else if (!looksDown) {
      decision = { ...base, verdict: 'healthy', suspectSince: null, reason: `heartbeat ${age?.toFixed(1)} s old` };
    } else {
      const prior = previous.get(s.host)?.suspectSince;
      suspectSince = prior ?? at;
      const suspectFor = (now.getTime() - new Date(suspectSince).getTime()) / 1000;
      const why = `${s.state === 'down' ? 'state down' : 'state up'}, heartbeat ${age === null ? 'never' : `${age.toFixed(1)} s old`}`;
      const failed = suspectFor >= config.graceSeconds;
      decision = {
        ...base,
        verdict: input.openIncidents.has(s.host) ? 'in-flight' : failed ? 'failed' : 'suspect',
        suspectSince,
        reason: `${why}; suspect for ${suspectFor.toFixed(1)} s (grace ${config.graceSeconds} s)`,
      };
    }
    hosts.push(decision);
    observations.push({ host: s.host, suspectSince, lastSeenAt: at, lastState: s.state });
  }

  const gates: Gate[] = [];
  const failed = hosts.filter((h) => h.verdict === 'failed');
  const inFlight = hosts.filter((h) => h.verdict === 'in-flight');
  if (inFlight.length)
    gates.push({
      gate: 'in-flight',
      reason: `recovery already running for ${inFlight.map((h) => h.host).join(', ')}`,
      hosts: inFlight.map((h) => h.host),
    });

  const considered = hosts.filter((h) => h.verdict !== 'excluded');
  const staleOrDown = considered.filter((h) => h.verdict !== 'healthy');
  const stalePercent = considered.length ? (100 * staleOrDown.length) / considered.length : 0;
  const fenced = hosts.filter((h) => h.verdict === 'fenced');
  // Suspects count too: hosts dying together go stale a heartbeat apart, and the first must not
  // be fenced alone just because the second is still inside its grace period.
  const suspects = hosts.filter((h) => h.verdict === 'suspect');
  const affected = failed.length + suspects.length + fenced.length + inFlight.length;
  const affectedPercent = considered.length ? (100 * affected) / considered.length : 0;

  if (failed.length && considered.length >= 2 && stalePercent >= config.gates.allStalePercent) {
    gates.push({
      gate: 'all-stale',
      reason: `${staleOrDown.length} of ${considered.length} compute services look down or stale at once (≥ ${config.gates.allStalePercent}%): a control-plane or network problem, not host failures; fencing nothing`,
      hosts: failed.map((h) => h.host),
    });
  } else if (
    failed.length &&
    (affected > config.gates.maxFailedHosts || affectedPercent > config.gates.maxFailedPercent)
  ) {
    const named = (label: string, list: HostDecision[]) =>
      `${list.length} ${label}${list.length ? ` (${list.map((h) => h.host).join(', ')})` : ''}`;
    gates.push({
      gate: 'storm',
      reason: `${named('new failure(s)', failed)} + ${named('suspect', suspects)} + ${named('fenced', fenced)} + ${named('in recovery', inFlight)} = ${affected} of ${considered.length} hosts (${affectedPercent.toFixed(0)}%), beyond the limit of ${config.gates.maxFailedHosts} host(s) / ${config.gates.maxFailedPercent}%; fencing nothing new`,
      // The suspects are held back too: the admins must see every host the gate is about.
      hosts: [...failed, ...suspects].map((h) => h.host),
    });
  } else if (failed.length && input.paused) {
    gates.push({
      gate: 'paused',
      reason: 'recoveries are paused (freezer-dr resume to lift); reporting only',
      hosts: failed.map((h) => h.host),
    });
  }

  const blocked = gates.some((g) => g.gate === 'all-stale' || g.gate === 'storm' || g.gate === 'paused');
  const recover: RecoveryRequest[] = blocked
    ? []
    : failed.map((h) => ({
        host: h.host,
        incidentId: incidentIdFor(h.host, h.suspectSince!),
        reason: `nova-compute on ${h.host}: ${h.reason}`,
        detectedAt: at,
      }));

  return { decision: { at, clock: clock.source, hosts, gates, recover }, observations };
}
