import { afterEach, describe, expect, test } from '@jest/globals';
import { taskHandlers } from '../../functions/index.js';
import { runMonitorPass, type MonitorPassResult, type StartRecovery } from '../../lib/monitor/index.js';
import { runLocalExecution, type LocalExecutionResult } from '../../lib/workflow/local-runner.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

const fast = {
  waitMs: { WaitForEvacuation: 50 },
  retryMs: { Validate: 10, Fence: 10, Isolate: 10, Plan: 10, EvacuateRound: 20, Notify: 10 },
};

let env: RecoveryEnv | undefined;
let runs: Array<Promise<LocalExecutionResult>> = [];
afterEach(async () => {
  await Promise.allSettled(runs);
  runs = [];
  await env?.stop();
  env = undefined;
});

const start: StartRecovery = async (input) => {
  runs.push(runLocalExecution(input.incidentId, input, { handlers: taskHandlers, ...fast }));
  return { started: true, detail: 'test' };
};

/** The simulated cloud with both signals (the simulator's Prometheus API). */
function withBothSignals(monitor: Record<string, unknown> = {}) {
  return startRecoveryEnv({
    configPatch: (c, sim) => {
      c.monitor = {
        intervalSeconds: 1,
        staleAfterSeconds: 1,
        graceSeconds: 0,
        secondSignal: { driver: 'prometheus', url: sim.prometheusUrl },
        ...monitor,
      };
    },
  });
}

async function passesUntil(pred: (r: MonitorPassResult) => boolean, ms = 10_000): Promise<MonitorPassResult> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await runMonitorPass(env!.rt, start);
    if (pred(r)) return r;
    if (Date.now() > end) throw new Error(`no pass met the condition; gates ${JSON.stringify(r.decision.gates)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
const verdictOf = (r: MonitorPassResult, host: string) => r.decision.hosts.find((h) => h.host === host)?.verdict;

describe('aggregate limits from Nova (GET /os-aggregates)', () => {
  test('an aggregate at its limit holds its host; a host of another aggregate is recovered', async () => {
    env = await withBothSignals({ gates: { maxFailedHosts: 3, maxFailedPercent: 100 } });
    env.sim.setAggregates([
      {
        name: 'gpu',
        availabilityZone: 'az-gpu',
        hosts: ['compute-1', 'compute-2'],
        metadata: { 'freezer-dr:max_failures': '0' },
      },
      {
        name: 'general',
        hosts: ['compute-3', 'compute-4', 'compute-5', 'compute-6'],
        metadata: { 'freezer-dr:max_failures': '1' },
      },
    ]);
    env.sim.crashHost('compute-1');
    env.sim.crashHost('compute-3');
    // They go stale a heartbeat apart: pass until compute-1 is failed and compute-3 was started.
    const started: string[] = [];
    const r = await passesUntil((x) => {
      started.push(...x.started.map((s) => s.host));
      return verdictOf(x, 'compute-1') === 'failed' && started.length > 0;
    });
    expect(started).toEqual(['compute-3']);
    const gate = r.decision.gates.find((g) => g.gate === 'aggregate')!;
    expect(gate.hosts).toEqual(['compute-1']);
    expect(gate.reason).toMatch(
      /aggregate gpu \(zone az-gpu\): 1 host\(s\) in trouble \(compute-1\), beyond its freezer-dr:max_failures of 0/,
    );
    expect((await Promise.all(runs)).map((x) => x.status)).toEqual(['SUCCEEDED']);
    expect(env.sim.powerState('compute-1')).toBe('On');
    expect(env.smtp.messages.filter((m) => /aggregate limit/.test(m.raw))).toHaveLength(1);
  });

  test('a non-numeric freezer-dr:max_failures holds the aggregate, with the reason', async () => {
    env = await withBothSignals();
    env.sim.setAggregates([{ name: 'rack-a', hosts: ['compute-1'], metadata: { 'freezer-dr:max_failures': 'one' } }]);
    env.sim.crashHost('compute-1');
    const r = await passesUntil((x) => verdictOf(x, 'compute-1') === 'failed');
    expect(r.decision.gates[0]!.reason).toMatch(/rack-a: freezer-dr:max_failures is "one", not a whole number/);
    expect(r.decision.recover).toEqual([]);
    expect(runs).toHaveLength(0);
  });
});

describe('after a fence that failed', () => {
  test('the monitor names the incident every pass, reminds the admins after the configured hours, never fences silently again', async () => {
    env = await withBothSignals({ fenceFailedReminderHours: 6 });
    env.sim.faults.bmc['compute-1']!.unreachable = true;
    env.sim.crashHost('compute-1');
    await passesUntil((x) => x.started.length > 0);
    expect((await Promise.all(runs)).map((x) => x.status)).toEqual(['FAILED']);
    runs = [];
    const r = await runMonitorPass(env.rt, start);
    expect(verdictOf(r, 'compute-1')).toBe('fence-failed');
    expect(r.decision.recover).toEqual([]);
    expect(env.logs.some((l) => /gate fence-failed: fence failed in incident inc-compute-1-/.test(l))).toBe(true);
    const reminders = () => env!.smtp.messages.filter((m) => /This reminder repeats every 6 h/.test(m.raw));
    expect(reminders()).toHaveLength(0);

    const realNow = env.rt.now;
    env.rt.now = () => new Date(realNow().getTime() + 6 * 3_600_000 + 60_000);
    await runMonitorPass(env.rt, start);
    await runMonitorPass(env.rt, start);
    expect(reminders()).toHaveLength(1);
    expect(runs).toHaveLength(0);
  });

  test('bounded re-fence: a BMC that was only briefly unreachable gets one more try', async () => {
    env = await withBothSignals({ refence: { maxAttempts: 1, afterSeconds: 0 } });
    env.sim.faults.bmc['compute-1']!.unreachable = true;
    env.sim.crashHost('compute-1');
    const first = await passesUntil((x) => x.started.length > 0);
    expect((await Promise.all(runs)).map((x) => x.status)).toEqual(['FAILED']);
    env.sim.faults.bmc['compute-1']!.unreachable = false;
    const again = await passesUntil((x) => x.started.length > 1 || x.started.some((s) => s.incidentId.endsWith('-r1')));
    expect(again.started.map((s) => s.incidentId)).toEqual([`${first.started[0]!.incidentId}-r1`]);
    const results = await Promise.all(runs);
    expect(results.map((x) => x.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(env.sim.powerState('compute-1')).toBe('Off');
  });
});

describe('the confirmation policy at start', () => {
  test('nova-only acts on Nova alone, with a warning logged once per process', async () => {
    env = await startRecoveryEnv(); // the shared helper runs nova-only
    await runMonitorPass(env.rt, start);
    await runMonitorPass(env.rt, start);
    const warnings = env.logs.filter((l) => /monitor.confirmation is nova-only/.test(l));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn' });
  });

  test('the default policy without a second signal: an error at start, and nothing fenced', async () => {
    env = await startRecoveryEnv({
      configPatch: (c) => (c.monitor = { intervalSeconds: 1, staleAfterSeconds: 1, graceSeconds: 0 }),
    });
    env.sim.crashHost('compute-1');
    const r = await passesUntil((x) => x.decision.gates.some((g) => g.gate === 'no-second-signal'));
    expect(r.decision.recover).toEqual([]);
    expect(env.logs.filter((l) => /no monitor.secondSignal is configured/.test(l) && /"error"/.test(l))).toHaveLength(
      1,
    );
    expect(env.smtp.messages.filter((m) => /No second signal configured/.test(m.raw))).toHaveLength(1);
    expect(runs).toHaveLength(0);
  });
});
