import { afterEach, describe, expect, test } from '@jest/globals';
import { taskHandlers } from '../../functions/index.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import type { EvacuateRoundOutput } from '../../lib/workflow/schemas.js';
import { runLocalExecution, type LambdaHandler } from '../../lib/workflow/local-runner.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('restart groups at run time', () => {
  test('groups run one after another; a failed group does not stop the next one', async () => {
    env = await startRecoveryEnv({
      configPatch: (c) => Object.assign(c['evacuation'] as object, { concurrency: 4, retries: { count: 0 } }),
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = incidentIdFor(host, new Date());
    // Three groups in plan order (the planner sorts by group, then priority): 2 first, then 1, then 0.
    const groupOf = new Map<string, number>();
    const plan: LambdaHandler = async (event, ctx) => {
      const out = await taskHandlers.plan!(event, ctx);
      const incident = (await env!.rt.store.getIncident(incidentId))!;
      const items = incident.plan!.items.map((i, n) => ({ ...i, group: n < 2 ? 2 : n < 4 ? 1 : 0 }));
      for (const i of items) groupOf.set(i.id, i.group);
      await env!.rt.store.updateIncident(incidentId, { plan: { ...incident.plan!, items } });
      // Group 1 finds no host anywhere: each of its instances fails.
      env!.sim.faults.noValidHostFor = new Set(items.filter((i) => i.group === 1).map((i) => i.id));
      return out;
    };
    const rounds: EvacuateRoundOutput[] = [];
    const evacuate: LambdaHandler = async (event, ctx) => {
      const out = (await taskHandlers.evacuate!(event, ctx)) as EvacuateRoundOutput;
      rounds.push(out);
      return out;
    };
    const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
    const run = await runLocalExecution(incidentId, input, { handlers: { ...taskHandlers, plan, evacuate } });
    expect(run.status).toBe('FAILED'); // RecoveryPartial: group 1 failed
    expect(groupOf.size).toBeGreaterThanOrEqual(5);

    const records = (await env.rt.store.listInstances(incidentId)).filter((r) => groupOf.has(r.instanceId));
    const inGroup = (g: number) => records.filter((r) => groupOf.get(r.instanceId) === g);
    expect(inGroup(2).map((r) => r.outcome)).toEqual(['evacuated', 'evacuated']);
    expect(inGroup(1).map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(inGroup(0).map((r) => r.outcome)).toEqual(inGroup(0).map(() => 'evacuated'));
    // A group starts only once every instance of the group before it is settled (one clock: the runtime's).
    const lastSettled = (g: number) => Math.max(...inGroup(g).map((r) => Date.parse(r.finishedAt!)));
    const firstStarted = (g: number) => Math.min(...inGroup(g).map((r) => Date.parse(r.startedAt!)));
    expect(firstStarted(1)).toBeGreaterThanOrEqual(lastSettled(2));
    expect(firstStarted(0)).toBeGreaterThanOrEqual(lastSettled(1));

    // The loop's output names the group it works on: visible in the execution history of every round.
    const seen = rounds.filter((r) => r.group).map((r) => `${r.group!.value}@${r.group!.position}/${r.group!.of}`);
    expect([...new Set(seen)]).toEqual(['2@1/3', '1@2/3', '0@3/3']);
    expect(rounds.at(-1)!.group).toBeUndefined();
  });
});
