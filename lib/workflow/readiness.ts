import * as z from 'zod';
import { errorMessage } from '../errors.js';
import { bmcConfigFor, FencingError } from '../fencing/index.js';
import {
  compareMicroversions,
  getComputeVersion,
  MICROVERSION,
  novaTimeOf,
  parseNovaTime,
} from '../openstack/index.js';
import { findComputeService } from './front-door.js';
import type { Runtime } from './runtime.js';
import type { ExecutionInput } from './schemas.js';
import { computePlan } from './steps/plan.js';
import { PlanItemSchema, SkippedItemSchema } from '../evacuation/index.js';

/**
 * What a recovery of one host would meet, read without changing anything (fence-agents'
 * `monitor` / `validate-all` for one host): how Nova sees it, whether its BMC is configured and
 * answers, whether the cloud offers the microversion the evacuation policy needs, and the plan.
 * `blockers` are what would stop the real run; `evidenceAlive` what says the host is running.
 */
export const ReadinessSchema = z.object({
  host: z.string(),
  nova: z.object({
    state: z.enum(['up', 'down']),
    status: z.enum(['enabled', 'disabled']),
    forcedDown: z.boolean(),
    heartbeatAgeSeconds: z.number().nullable(),
    /** Up with a heartbeat no older than monitor.staleAfterSeconds. */
    alive: z.boolean(),
  }),
  fence: z.object({
    mode: z.enum(['bmc', 'confirmed-by-operator']),
    driver: z.string().nullable(),
    target: z.string().nullable(),
    /** The BMC's reading now; null when none was read (no BMC, manual driver, or no answer). */
    power: z.enum(['on', 'off']).nullable(),
    problem: z.string().nullable(),
  }),
  microversion: z.object({
    policy: z.string(),
    needs: z.string(),
    cloudMax: z.string().nullable(),
    ok: z.boolean(),
  }),
  plan: z.object({ items: z.array(PlanItemSchema), skipped: z.array(SkippedItemSchema) }).nullable(),
  blockers: z.array(z.string()),
  evidenceAlive: z.array(z.string()),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

export interface ReadinessOptions {
  fence: ExecutionInput['fence'];
  /** Also compute the evacuation plan (the real Plan step's logic, nothing written). */
  withPlan: boolean;
  signal?: AbortSignal;
}

export async function assessRecovery(rt: Runtime, host: string, opts: ReadinessOptions): Promise<Readiness> {
  const { service, listing } = await findComputeService(rt, host, opts.signal);
  const reference = novaTimeOf(listing) ?? rt.now();
  const heartbeat = parseNovaTime(service.updatedAt);
  const age = heartbeat ? Math.max(0, (reference.getTime() - heartbeat.getTime()) / 1000) : null;
  const alive = service.state === 'up' && age !== null && age <= rt.config.monitor.staleAfterSeconds;
  const fence = await readFence(rt, host, opts);
  const microversion = await checkMicroversion(rt, opts.signal);
  const plan = opts.withPlan ? await computePlan(rt, host) : null;

  const evidenceAlive: string[] = [];
  if (alive) evidenceAlive.push(`Nova reports nova-compute up with a heartbeat ${age?.toFixed(1)} s old`);
  if (fence.power === 'on') evidenceAlive.push(`its BMC (${fence.target}) reads power On`);
  const blockers: string[] = [];
  if (fence.problem && opts.fence === 'bmc') blockers.push(fence.problem);
  if (!microversion.ok)
    blockers.push(
      `evacuation.microversionPolicy ${microversion.policy} needs compute microversion ${microversion.needs}; the cloud offers up to ${microversion.cloudMax ?? 'unknown'}`,
    );
  if (opts.fence === 'confirmed-by-operator') blockers.push(...evidenceAlive);
  return {
    host,
    nova: {
      state: service.state,
      status: service.status,
      forcedDown: service.forcedDown,
      heartbeatAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
      alive,
    },
    fence,
    microversion,
    plan: plan && { items: plan.items, skipped: plan.skipped },
    blockers,
    evidenceAlive,
  };
}

/** The host's fence readiness: its BMC entry, and a power reading through the real driver. */
export async function readFence(
  rt: Runtime,
  host: string,
  opts: Pick<ReadinessOptions, 'fence' | 'signal'>,
): Promise<Readiness['fence']> {
  const base = { mode: opts.fence, driver: null, target: null, power: null, problem: null };
  let driver: string;
  try {
    driver = bmcConfigFor(rt.config.fencing, host).driver;
  } catch {
    return { ...base, problem: `no BMC is configured for ${host} (fencing.hosts or a fencing.defaults pattern)` };
  }
  if (driver === 'manual')
    return {
      ...base,
      driver,
      problem: `${host} uses the manual fence driver: power it off yourself, then run recover --host ${host} --confirm-fenced`,
    };
  let fencer;
  try {
    fencer = await rt.fencerFor(host);
  } catch (err) {
    return { ...base, driver, problem: `the BMC of ${host} cannot be used: ${errorMessage(err)}` };
  }
  try {
    const power = await fencer.getPower(opts.signal);
    return { ...base, driver, target: fencer.target, power };
  } catch (err) {
    if (!(err instanceof FencingError)) throw err;
    return {
      ...base,
      driver,
      target: fencer.target,
      problem: `the BMC of ${host} did not give a power reading (${err.name}: ${err.message})`,
    };
  } finally {
    await fencer.close?.().catch(() => undefined);
  }
}

/** Whether the cloud offers the microversion the configured evacuation policy sends. */
export async function checkMicroversion(rt: Runtime, signal?: AbortSignal): Promise<Readiness['microversion']> {
  const policy = rt.config.evacuation.microversionPolicy;
  const needs = policy === 'stopped-at-destination' ? MICROVERSION.evacuateStopped : MICROVERSION.evacuateClassic;
  const { max } = await getComputeVersion(rt.session, signal);
  return { policy, needs, cloudMax: max, ok: compareMicroversions(max, needs) >= 0 };
}
