import { afterEach, describe, expect, test } from '@jest/globals';
import { runMonitorPass, type StartRecovery } from '../../lib/monitor/index.js';
import { runLocalExecution, type LocalExecutionResult } from '../../lib/workflow/local-runner.js';
import { taskHandlers } from '../../functions/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const fast = { waitMs: { WaitForEvacuation: 50 }, retryMs: { EvacuateRound: 20 } };

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('monitor pass → executions', () => {
  test('S4: the monitor invoked 100 times during one incident starts exactly one execution; no instance is evacuated twice', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const runs: Promise<LocalExecutionResult>[] = [];
    const start: StartRecovery = async (input) => {
      runs.push(runLocalExecution(input.incidentId, input, { handlers: taskHandlers, ...fast }));
      return { started: true, detail: 'test' };
    };
    // Healthy cloud: nothing starts.
    expect((await runMonitorPass(env.rt, start)).decision.recover).toEqual([]);
    env.sim.crashHost(host);
    await waitFor(async () => (await runMonitorPass(env!.rt, start)).started.length > 0);
    for (let i = 0; i < 100; i++) await runMonitorPass(env.rt, start);
    const results = await Promise.all(runs);
    expect(runs).toHaveLength(1);
    expect(results[0]!.status).toBe('SUCCEEDED');

    const posts = env.sim.requestLog
      .filter((r) => r.method === 'POST' && r.path.includes('/action') && !!r.body?.includes('"evacuate"'))
      .map((r) => r.path);
    expect(new Set(posts).size).toBe(posts.length);
    // Afterwards the host reads as fenced (forced down): never recovered again.
    const after = await runMonitorPass(env.rt, start);
    expect(after.decision.hosts.find((h) => h.host === host)?.verdict).toBe('fenced');
    expect(runs).toHaveLength(1);
  });

  test('observer gate: with Nova failing, nothing is fenced', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.nova.failNext = 1000;
    let started = 0;
    for (let i = 0; i < 3; i++) {
      const r = await runMonitorPass(env.rt, async () => ((started += 1), { started: true, detail: '' }));
      expect(r.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    }
    expect(started).toBe(0);
    expect(env.sim.requestLog.filter((r) => r.service === 'redfish' && r.method === 'POST')).toHaveLength(0);
    // The admins heard about it once for the whole episode, not once per pass.
    const alerts = env.smtp.messages.filter((m) => /observer gate/.test(m.raw));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.envelopeTo).toEqual(['ops@example.org']);
  });

  test('storm gate: two hosts down with a limit of one fences nothing', async () => {
    env = await startRecoveryEnv();
    env.sim.crashHost('compute-1');
    env.sim.crashHost('compute-2');
    let started = 0;
    await new Promise((r) => setTimeout(r, 1500));
    const r = await runMonitorPass(env.rt, async () => ((started += 1), { started: true, detail: '' }));
    expect(r.decision.gates.map((g) => g.gate)).toEqual(['storm']);
    expect(started).toBe(0);
  });
});
