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
 * uwsgi-served nova-api sends none; then, by default, ages are read against a lower bound of the
 * cloud's time: Nova's conductor writes every `updated_at` on one clock, so the cloud's time is at
 * least the freshest of them, and at least an earlier bound plus the time that has passed since
 * (`carried`, kept by the caller on a monotonic clock, so a step of the wall clock cannot move it).
 * Ages can only be under-read, never inflated by a watchdog clock running ahead. The carried bound
 * matters when the computes heartbeat in phase: the freshest heartbeat alone then stands still for
 * a whole report interval, and detection would wait for the next one. It runs at most
 * `maxAheadMs` (the staleness threshold) past the freshest heartbeat: a controller clock stepped
 * back cannot make a host look older than that, and when every heartbeat stops the freshest host
 * never turns stale by age alone (Nova's own "down" reaches the all-stale gate, as without the
 * carried bound). The carried bound is cut to the whole second: Nova (MySQL) writes `updated_at`
 * in whole seconds, so a heartbeat printed as x.000 may have happened up to 1 s later, and a
 * reference finer than the heartbeats would read ages up to 1 s past Nova's own (the Date header
 * and the freshest heartbeat are whole seconds already). Grace periods advance on our
 * clock: they are durations between our own passes, and must keep running when every heartbeat
 * stops (a stalled control plane still has to reach the all-stale gate and the admins).
 */
export function referenceClock(
  signals: readonly HostSignal[],
  serverDate: Date | undefined,
  localNow: Date,
  mode: MonitorConfig['withoutDateHeader'],
  carried?: { floorMs: number; maxAheadMs: number },
): ReferenceClock {
  if (serverDate) return { ageReference: serverDate, at: serverDate, source: 'server' };
  if (mode === 'freshest-heartbeat') {
    const freshest = freshestHeartbeat(signals.map((s) => s.updatedAt));
    if (freshest) {
      const f = freshest.getTime();
      const bound = carried ? Math.max(f, wholeSecond(Math.min(carried.floorMs, f + carried.maxAheadMs))) : f;
      return { ageReference: new Date(bound), at: localNow, source: 'heartbeat' };
    }
  }
  return { ageReference: localNow, at: localNow, source: 'local' };
}

const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
