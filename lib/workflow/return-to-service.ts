import { FreezerError } from '../errors.js';
import { publishEvent } from '../events/index.js';
import { powerOn } from '../fencing/index.js';
import { IncidentExistsError } from '../incidents/index.js';
import { BadRequestError } from '../openstack/index.js';
import { waitFor } from '../async/index.js';
import {
  enableService,
  listHostEvacuations,
  parseNovaTime,
  unforceDownService,
  type ComputeService,
} from '../openstack/index.js';
import { findComputeService } from './front-door.js';
import type { Runtime } from './runtime.js';

export class ReturnToServiceError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'ReturnToServiceError';
  }
}

export interface ReturnOptions {
  /** Give up on any one wait after this long. */
  timeoutMs: number;
  pollMs: number;
  /** Also enable a service disabled by someone other than freezer-dr. */
  enableAnyway?: boolean;
  progress: (line: string) => void;
  /** While a wait lasts, say what it still waits for at most this often (default: only when it starts). */
  progressEveryMs?: number;
}

/**
 * Bring a recovered host back, only when an operator asks, and only in the order Nova needs
 * (S2): power on → nova-compute starts while still forced down and cleans up the instances that
 * were evacuated away (migrations done → completed) → un-force (Nova refuses it until then) →
 * wait for state up → enable (enabling while down leaves the scheduler ignoring the host).
 */
export async function returnToService(rt: Runtime, host: string, opts: ReturnOptions): Promise<ComputeService> {
  const open = await rt.store.findOpenIncident(host);
  if (open) throw new IncidentExistsError(open);
  const service = await findService(rt, host);
  if (!service.forcedDown && service.status === 'enabled') {
    opts.progress(`${host} is already in service (up: ${service.state})`);
    return service;
  }

  const fencer = await rt.fencerFor(host);
  opts.progress(`powering on ${host} via ${fencer.target}`);
  await powerOn(fencer, {
    powerTimeoutMs: rt.config.fencing.powerTimeoutSeconds * 1000,
    pollIntervalMs: rt.config.fencing.pollIntervalSeconds * 1000,
  });
  opts.progress(`${host} confirmed powered on`);

  await waitUntil(opts, `evacuation migrations from ${host} to be cleaned up (done → completed)`, async () => {
    const pending = (await listHostEvacuations(rt.session, host)).filter((m) => m.status === 'done');
    return pending.length === 0 ? true : `${pending.length} still "done"`;
  });
  opts.progress(`nova-compute on ${host} cleaned up the evacuated instances`);

  // Nova reads a service up on any heartbeat younger than service_down_time: the one from before
  // the crash, or the timestamp the un-force itself writes. Only a report after the un-force
  // shows a nova-compute that really runs (the scheduler drops the host otherwise).
  let heartbeatBefore = (await findService(rt, host)).updatedAt;
  if (service.forcedDown) {
    await waitUntil(opts, `Nova to accept forced_down=false for ${host}`, async () => {
      try {
        heartbeatBefore = (await unforceDownService(rt.session, service.id)).updatedAt ?? heartbeatBefore;
        return true;
      } catch (err) {
        // Nova answers 400 while evacuations from the host are not completed yet.
        if (err instanceof BadRequestError) return err.message;
        throw err;
      }
    });
    opts.progress(`${host} no longer forced down`);
  }

  await waitUntil(opts, `nova-compute on ${host} to report up`, async () => {
    const s = await findService(rt, host);
    if (s.state !== 'up') return `state ${s.state}`;
    return isLater(s.updatedAt, heartbeatBefore) ? true : `up, but no heartbeat since ${heartbeatBefore ?? 'ever'}`;
  });
  opts.progress(`nova-compute on ${host} is up`);

  const current = await findService(rt, host);
  if (current.status === 'disabled') {
    const ours = current.disabledReason?.startsWith('freezer-dr ') ?? false;
    if (!ours && !opts.enableAnyway) {
      opts.progress(
        `left disabled: it was disabled by someone else ("${current.disabledReason ?? ''}"); pass --enable-anyway to enable it`,
      );
      return current;
    }
    await enableService(rt.session, current.id);
    opts.progress(`${host} enabled: the scheduler may place instances on it again`);
  }
  const back = await findService(rt, host);
  await publishEvent(rt, 'returned-to-service', { incidentId: null, host }, { serviceId: back.id });
  return back;
}

function isLater(heartbeat: string | null, than: string | null): boolean {
  const a = parseNovaTime(heartbeat);
  const b = parseNovaTime(than);
  return a !== null && (b === null || a.getTime() > b.getTime());
}

async function findService(rt: Runtime, host: string): Promise<ComputeService> {
  return (await findComputeService(rt, host)).service;
}

async function waitUntil(opts: ReturnOptions, what: string, check: () => Promise<true | string>): Promise<void> {
  const started = Date.now();
  let said = started;
  let first = true;
  await waitFor(
    async () => {
      const r = await check();
      if (r === true) return { done: true, value: undefined };
      // A wait can last up to --timeout: the operator sees what it waits for, and why, as it goes.
      if (first) opts.progress(`waiting for ${what}: ${r}`);
      else if (opts.progressEveryMs !== undefined && Date.now() - said >= opts.progressEveryMs) {
        said = Date.now();
        opts.progress(`still waiting for ${what} (${Math.round((said - started) / 1000)} s): ${r}`);
      }
      first = false;
      return { done: false, last: r };
    },
    {
      timeoutMs: opts.timeoutMs,
      intervalMs: opts.pollMs,
      onTimeout: (last) =>
        new ReturnToServiceError(`gave up waiting for ${what} after ${Math.round(opts.timeoutMs / 1000)} s (${last})`, {
          hint: 'nothing further was changed; check nova-compute on the host, then run the command again',
        }),
    },
  );
}
