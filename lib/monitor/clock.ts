import type { MonitorConfig } from '../config/index.js';
import { freshestHeartbeat } from '../openstack/index.js';
import type { ClockSource, HostSignal } from './schemas.js';

export interface ReferenceClock {
  /** What heartbeat ages are measured against. */
  ageReference: Date;
  /** The pass's own time: grace periods, `at`, incident ids. */
  at: Date;
  source: ClockSource;
}

/**
 * The clock a pass judges heartbeats by. Nova's Date header when it sends one. Debian's
 * uwsgi-served nova-api sends none; then, by default, ages are read against the freshest heartbeat
 * of the listing: Nova's conductor writes every `updated_at` on one clock, and the cloud's time is
 * at least the freshest of them, so ages can only be under-read (detection a fraction of a report
 * interval later), never inflated by a watchdog clock running ahead. Grace periods still advance on
 * our clock: they are durations between our own passes, and must keep running when every
 * heartbeat stops (a stalled control plane still has to reach the all-stale gate and the admins).
 */
export function referenceClock(
  signals: readonly HostSignal[],
  serverDate: Date | undefined,
  localNow: Date,
  mode: MonitorConfig['withoutDateHeader'],
): ReferenceClock {
  if (serverDate) return { ageReference: serverDate, at: serverDate, source: 'server' };
  if (mode === 'freshest-heartbeat') {
    const freshest = freshestHeartbeat(signals.map((s) => s.updatedAt));
    if (freshest) return { ageReference: freshest, at: localNow, source: 'heartbeat' };
  }
  return { ageReference: localNow, at: localNow, source: 'local' };
}
