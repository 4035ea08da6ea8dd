import type { MonitorConfig } from '../config/index.js';
import type { Observation } from '../incidents/index.js';
import { referenceClock } from './clock.js';
import { evaluateGates, type AggregatesObserved } from './gates.js';
import type {
  ClockSource,
  FenceFailed,
  MonitorDecision,
  Observed,
  PauseState,
  RecentRecovery,
  RecoveryRequest,
  SecondObserved,
} from './schemas.js';
import { judgeHost } from './verdicts.js';

export interface DecideInput {
  observed: Observed;
  /** Our own clock: grace periods when the API gave no Date header; ages too with `local-clock`. */
  localNow: Date;
  observations: Observation[];
  /** Hosts that already have an open incident. */
  openIncidents: ReadonlySet<string>;
  /** A boolean (the switch alone) or the whole state (who paused, since when). */
  paused: boolean | PauseState;
  config: MonitorConfig;
  /** The second signal's reading; null or absent when none is configured. */
  second?: SecondObserved | null;
  /** Recoveries in flight or ended within `gates.recentRecoveryWindowSeconds` (storm gate). */
  recent?: RecentRecovery[];
  /** The last incident of a host, when it ended fence-failed. */
  fenceFailed?: FenceFailed[];
  /** Aggregate limits, when they were read this pass. */
  aggregates?: AggregatesObserved;
  /**
   * Without a Date header: a lower bound of the cloud's time carried from an earlier pass (that
   * pass's `ageReference` plus the monotonic time since), in ms; absent on a first or lone pass.
   */
  cloudTimeFloor?: number;
}

export interface DecideOutput {
  decision: MonitorDecision;
  observations: Observation[];
  /** What heartbeat ages were read against (ms), and on which clock: the next pass's floor when 'heartbeat'. */
  ageReference?: { ms: number; source: ClockSource };
}

const pauseState = (p: DecideInput['paused']): PauseState =>
  typeof p === 'boolean' ? { paused: p, source: p ? 'store' : null, since: null, by: null } : p;

/**
 * The monitor's whole judgement, with no I/O: signals → per-host verdicts (verdicts.ts) → gates
 * (gates.ts) → who to recover. Heartbeat ages are read against the API's own clock (its Date
 * header, or without one the freshest heartbeat: clock.ts), so a watchdog whose clock drifts, or
 * a VPN that delays answers, cannot invent failures.
 */
export function decide(input: DecideInput): DecideOutput {
  const { observed, config } = input;
  const pause = pauseState(input.paused);
  const second = config.secondSignal ? (input.second ?? null) : null;
  const common = { confirmation: config.confirmation, secondSource: second?.source ?? null, pause };
  if (!observed.ok) return unobservable(input, observed.error, common);

  const clock = referenceClock(
    observed.signals,
    observed.serverDate,
    input.localNow,
    config.withoutDateHeader,
    input.cloudTimeFloor === undefined
      ? undefined
      : { floorMs: input.cloudTimeFloor, maxAheadMs: config.staleAfterSeconds * 1000 },
  );
  const ctx = {
    config,
    ageReference: clock.ageReference.getTime(),
    now: clock.at,
    nowIso: clock.at.toISOString(),
    localNow: input.localNow,
    localNowIso: input.localNow.toISOString(),
    previous: new Map(input.observations.map((o) => [o.host, o])),
    excluded: new Set(config.excludeHosts),
    openIncidents: input.openIncidents,
    second,
    fenceFailed: new Map((input.fenceFailed ?? []).map((f) => [f.host, f])),
  };
  const judged = observed.signals.map((s) => judgeHost(s, ctx));
  const hosts = judged.map((j) => j.decision);
  const gates = evaluateGates({
    config,
    hosts,
    second,
    recent: input.recent ?? [],
    aggregates: input.aggregates ?? null,
    pause,
  });
  const at = clock.at.toISOString();
  const blocked = gates.some((g) => g.blocking);
  const held = new Set(gates.flatMap((g) => (g.gate === 'aggregate' ? g.hosts : [])));
  const recover: RecoveryRequest[] = blocked
    ? []
    : hosts
        .filter((h) => h.verdict === 'failed' && !held.has(h.host))
        .map((h) => ({
          host: h.host,
          incidentId: h.incidentId!,
          reason: `nova-compute on ${h.host}: ${h.reason}`,
          detectedAt: at,
        }));
  return {
    decision: { at, clock: clock.source, ...common, hosts, gates, recover },
    observations: judged.map((j) => j.observation),
    ageReference: { ms: clock.ageReference.getTime(), source: clock.source },
  };
}

/** Nova or Keystone could not be read: the observer gate, and grace periods neither reset nor advanced. */
function unobservable(
  input: DecideInput,
  error: { name: string; message: string },
  common: Pick<MonitorDecision, 'confirmation' | 'secondSource' | 'pause'>,
): DecideOutput {
  return {
    decision: {
      at: input.localNow.toISOString(),
      clock: 'local',
      ...common,
      hosts: [],
      gates: [
        {
          gate: 'observer',
          reason: `cannot observe the cloud (${error.name}: ${error.message}); fencing nothing`,
          hosts: [],
          blocking: true,
        },
      ],
      recover: [],
    },
    // Keep what we knew: an outage of our view must not reset or advance grace periods.
    observations: input.observations,
  };
}
