import type { CloudState, HostRec, ServiceRec } from './state.js';

/**
 * Compute node lifecycle: heartbeats, crashes, power transitions and nova-compute start-up.
 *
 * Heartbeats are computed, not ticked: a running nova-compute reported at runningSince +
 * k·reportIntervalMs, so `last_seen_up` is a pure function of the clock. No interval timers,
 * and a test that reads the state twice in the same millisecond sees the same answer.
 */

export function lastSeenUp(state: CloudState, host: HostRec): number {
  if (!host.computeRunning) return host.frozenLastSeenUp;
  const now = state.clock.now();
  const r = state.opts.reportIntervalMs;
  return host.runningSince + Math.floor(Math.max(0, now - host.runningSince) / r) * r;
}

function serviceLastSeenUp(state: CloudState, svc: ServiceRec): number {
  const host = state.hosts.get(svc.host);
  if (svc.binary === 'nova-compute' && host) return lastSeenUp(state, host);
  // Scheduler and conductor never fail in the sim: they heartbeat like a healthy compute.
  const r = state.opts.reportIntervalMs;
  const now = state.clock.now();
  return now - ((now - svc.createdAt) % r);
}

/**
 * Nova's servicegroup DB driver: down when forced_down, or when the last heartbeat is older
 * than service_down_time. It reads last_seen_up, which only heartbeats write — an API update of
 * the row bumps updated_at but never makes a dead service look alive.
 */
export function serviceIsUp(state: CloudState, svc: ServiceRec): boolean {
  if (svc.forcedDown) return false;
  return Math.abs(state.clock.now() - serviceLastSeenUp(state, svc)) <= state.opts.serviceDownTimeMs;
}

/** The row's updated_at: the later of the last heartbeat and the last API edit. */
export function serviceUpdatedAt(state: CloudState, svc: ServiceRec): number {
  return Math.max(serviceLastSeenUp(state, svc), svc.editedAt);
}

export function serviceLastHeartbeat(state: CloudState, svc: ServiceRec): number {
  return serviceLastSeenUp(state, svc);
}

/** nova-compute dies (kill -9, kernel panic, power loss): heartbeats stop, nothing else changes. */
export function crashCompute(state: CloudState, host: HostRec): void {
  if (!host.computeRunning) return;
  host.frozenLastSeenUp = lastSeenUp(state, host);
  host.computeRunning = false;
}

/**
 * nova-compute starts. Like Nova's init_host, it first destroys the local copies of instances
 * that were evacuated away and moves their `done` evacuation migrations to `completed`
 * (FACTS rule 6), then it heartbeats, then it consumes the RPC casts queued while it was dead.
 */
export function startCompute(state: CloudState, host: HostRec): void {
  const now = state.clock.now();
  for (const m of state.migrations) {
    if (m.sourceCompute === host.name && m.migrationType === 'evacuation' && m.status === 'done') {
      m.status = 'completed';
      m.updatedAt = now;
    }
  }
  host.pendingCleanup.clear();
  host.osRunning = true;
  host.computeRunning = true;
  host.runningSince = now;
  const casts = host.queuedCasts.splice(0);
  for (const cast of casts) cast();
}

/** An RPC cast to a compute: consumed at once when the process runs, else it waits in the queue. */
export function castToCompute(host: HostRec, fn: () => void): void {
  if (host.computeRunning) fn();
  else host.queuedCasts.push(fn);
}

/** The host dies (kernel panic, power loss behind a BMC that still answers): nova-compute and the OS go dark. */
export function crashHost(state: CloudState, host: HostRec): void {
  crashCompute(state, host);
  host.osRunning = false;
}

/** Does the host answer on the network (node_exporter, a TCP probe)? Only when powered On with its OS up. */
export function hostAnswers(host: HostRec, dark: ReadonlySet<string>): boolean {
  return host.power === 'On' && host.osRunning && !dark.has(host.name);
}

/** ForceOff kills the OS at once; GracefulShutdown lets it stop at the end of the transition. */
export function powerOff(state: CloudState, host: HostRec, mode: 'force' | 'graceful'): void {
  if (host.power === 'Off' || host.power === 'PoweringOff') return;
  const generation = ++host.powerGeneration;
  if (mode === 'force') crashCompute(state, host);
  host.power = 'PoweringOff';
  state.timers.later(state.opts.powerOffDelayMs, () => {
    if (host.powerGeneration !== generation) return;
    crashCompute(state, host);
    host.power = 'Off';
  });
}

/** PoweringOn for powerOnDelayMs, then On; nova-compute starts hostBootMs later. */
export function powerOn(state: CloudState, host: HostRec): void {
  if (host.power === 'On' || host.power === 'PoweringOn') return;
  const generation = ++host.powerGeneration;
  host.power = 'PoweringOn';
  state.timers.later(state.opts.powerOnDelayMs, () => {
    if (host.powerGeneration !== generation) return;
    host.power = 'On';
    bootLater(state, host, generation);
  });
}

/** A reset: the OS dies now and boots again; the power reading stays On. */
export function forceRestart(state: CloudState, host: HostRec): void {
  const generation = ++host.powerGeneration;
  crashCompute(state, host);
  host.power = 'On';
  bootLater(state, host, generation);
}

function bootLater(state: CloudState, host: HostRec, generation: number): void {
  state.timers.later(state.opts.hostBootMs, () => {
    if (host.powerGeneration !== generation || host.power !== 'On') return;
    startCompute(state, host);
  });
}

/** What SimCloud.restartHost does: power is On and nova-compute (re)starts now. */
export function restartNow(state: CloudState, host: HostRec): void {
  host.powerGeneration++;
  host.osRunning = true;
  host.power = 'On';
  crashCompute(state, host);
  startCompute(state, host);
}
