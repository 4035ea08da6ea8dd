import type { MonitorDecision } from '../monitor/index.js';
import type { Logger } from '../log/index.js';
import { publishEvent } from './publish.js';

/** The gates an event was already published for, so a gate that fires every minute is one event per episode. */
const PUBLISHED_GATES_SETTING = 'event-gates';

/** Per store: the gate set this process last read or wrote (a new process reads the store once). */
const lastKnown = new WeakMap<object, string>();

interface Ctx {
  log: Logger;
  now: () => Date;
  store: {
    getSetting(key: string): Promise<string | undefined>;
    putSetting(key: string, v: string | undefined): Promise<void>;
  };
}

/**
 * Events of one monitor pass: `detected` for each recovery it started, `gate.fired` for each
 * gate that was not firing at the previous pass (kept in the store, so a new Lambda container
 * does not publish the same episode again).
 */
export async function publishPassEvents(
  ctx: Ctx,
  decision: MonitorDecision,
  started: ReadonlyArray<{ host: string; incidentId: string; started: boolean }>,
): Promise<void> {
  for (const s of started.filter((x) => x.started)) {
    const r = decision.recover.find((x) => x.incidentId === s.incidentId);
    await publishEvent(ctx, 'detected', s, { reason: r?.reason ?? 'failed', requestedBy: 'monitor' });
  }
  const firing = [...new Set(decision.gates.filter((g) => g.gate !== 'in-flight').map((g) => g.gate))].sort();
  // Nothing changed since this process last looked: no store round trip on a quiet pass.
  if (lastKnown.get(ctx.store) === firing.join(',')) return;
  let before: string[];
  try {
    before = ((await ctx.store.getSetting(PUBLISHED_GATES_SETTING)) ?? '').split(',').filter(Boolean);
  } catch (err) {
    // Events never fail a monitor pass: without the store's memory, skip the gate events this time.
    ctx.log.warn('gate events skipped: the store did not answer', { component: 'events', error: (err as Error).name });
    return;
  }
  for (const gate of decision.gates.filter((g) => firing.includes(g.gate) && !before.includes(g.gate)))
    await publishEvent(
      ctx,
      'gate.fired',
      { incidentId: null, host: gate.hosts.length === 1 ? gate.hosts[0]! : null },
      { gate: gate.gate, reason: gate.reason, hosts: gate.hosts },
    );
  lastKnown.set(ctx.store, firing.join(','));
  if (firing.join(',') !== before.join(','))
    await ctx.store
      .putSetting(PUBLISHED_GATES_SETTING, firing.length ? firing.join(',') : undefined)
      .catch((err: unknown) =>
        ctx.log.warn('gate events: could not remember the gates', { component: 'events', error: (err as Error).name }),
      );
}
