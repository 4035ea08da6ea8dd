import { afterEach, describe, expect, test } from '@jest/globals';
import { taskHandlers } from '../../functions/index.js';
import { parseConfig } from '../../lib/config/index.js';
import {
  loadSecondSignal,
  runMonitorPass,
  type MonitorPassResult,
  type StartRecovery,
} from '../../lib/monitor/index.js';
import { runLocalExecution, type LocalExecutionResult } from '../../lib/workflow/local-runner.js';
import {
  PROMETHEUS_BIN,
  startExporters,
  startPrometheus,
  type Exporters,
  type RunningPrometheus,
} from '../support/prometheus.js';
import { startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

// Tests that need Debian's prometheus FAIL in CI when it is missing (.ci/run installs it).
if (!PROMETHEUS_BIN && process.env.CI === 'true')
  throw new Error('CI must install the Debian package prometheus for the second-signal tests');
const maybe = PROMETHEUS_BIN ? describe : describe.skip;

const HOSTS = ['compute-1', 'compute-2', 'compute-3', 'compute-4', 'compute-5', 'compute-6'];
const fast = {
  waitMs: { WaitForEvacuation: 50 },
  retryMs: { Validate: 10, Fence: 10, Isolate: 10, Plan: 10, EvacuateRound: 20, Notify: 10 },
};

interface Bed {
  env: RecoveryEnv;
  exporters: Exporters;
  prom: RunningPrometheus;
  runs: Array<Promise<LocalExecutionResult>>;
  start: StartRecovery;
  pass(): Promise<MonitorPassResult>;
  /** The host dies: Nova stops hearing it and its exporter goes dark; wait until Prometheus saw it. */
  kill(...hosts: string[]): Promise<void>;
}

let bed: Bed | undefined;
afterEach(async () => {
  await Promise.allSettled(bed?.runs ?? []);
  await bed?.prom.stop();
  await bed?.exporters.close();
  await bed?.env.stop();
  bed = undefined;
});

/** The simulated cloud + a real Prometheus scraping one exporter per host; default gates unless patched. */
async function startBed(monitor: Record<string, unknown> = {}): Promise<Bed> {
  const exporters = await startExporters(HOSTS);
  const prom = await startPrometheus(exporters);
  const env = await startRecoveryEnv({
    hosts: HOSTS,
    configPatch: (c) => {
      c.monitor = {
        intervalSeconds: 1,
        staleAfterSeconds: 1,
        graceSeconds: 0,
        secondSignal: { driver: 'prometheus', url: prom.url, requestTimeoutSeconds: 2 },
        ...monitor,
      };
    },
  });
  const runs: Array<Promise<LocalExecutionResult>> = [];
  const start: StartRecovery = async (input) => {
    runs.push(runLocalExecution(input.incidentId, input, { handlers: taskHandlers, ...fast }));
    return { started: true, detail: 'test' };
  };
  const b: Bed = {
    env,
    exporters,
    prom,
    runs,
    start,
    pass: () => runMonitorPass(env.rt, start),
    async kill(...hosts) {
      for (const h of hosts) await exporters.stop(h);
      await prom.waitForUp((u) => hosts.every((h) => u[h] === 0));
      for (const h of hosts) env.sim.crashHost(h);
    },
  };
  return b;
}

async function passesUntil(b: Bed, pred: (r: MonitorPassResult) => boolean, ms = 15_000): Promise<MonitorPassResult> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await b.pass();
    if (pred(r)) return r;
    if (Date.now() > end) throw new Error(`no pass met the condition; last gates ${JSON.stringify(r.decision.gates)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const fencePosts = (env: RecoveryEnv) =>
  env.sim.requestLog.filter((r) => r.service === 'redfish' && r.method === 'POST').length;
const verdictOf = (r: MonitorPassResult, host: string) => r.decision.hosts.find((h) => h.host === host)?.verdict;

maybe('second signal: a real Prometheus scraping one exporter per simulated host', () => {
  test('both signals agree → fenced, evacuated, resolved', async () => {
    bed = await startBed();
    await bed.kill('compute-1');
    const r = await passesUntil(bed, (x) => x.started.length > 0);
    expect(r.started.map((s) => s.host)).toEqual(['compute-1']);
    expect(r.decision.recover[0]!.reason).toMatch(/second signal: up=0 \(instance compute-1:9100\)/);
    const [result] = await Promise.all(bed.runs);
    expect(result!.status).toBe('SUCCEEDED');
    expect(bed.env.sim.powerState('compute-1')).toBe('Off');
    const incident = await bed.env.rt.store.getIncident(r.started[0]!.incidentId);
    expect(incident?.status).toBe('resolved');
  });

  test('Nova says down but the host answers → never fenced, the admins told once', async () => {
    bed = await startBed();
    bed.env.sim.stopNovaCompute('compute-2');
    await passesUntil(bed, (x) => verdictOf(x, 'compute-2') === 'host-answers');
    // Many passes over a few seconds: still nothing fenced, and one mail for the episode.
    const end = Date.now() + 3000;
    let last: MonitorPassResult | undefined;
    while (Date.now() < end) last = await bed.pass();
    expect(verdictOf(last!, 'compute-2')).toBe('host-answers');
    expect(last!.decision.recover).toEqual([]);
    expect(bed.runs).toHaveLength(0);
    expect(fencePosts(bed.env)).toBe(0);
    const mails = bed.env.smtp.messages.filter((m) => /but the host answers/.test(m.raw));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.raw).toMatch(/check nova-compute and RabbitMQ/);
  });

  test('Prometheus unreachable → observer gate, nothing fenced on Nova alone', async () => {
    bed = await startBed();
    await bed.kill('compute-3');
    await bed.prom.stop();
    const r = await passesUntil(bed, (x) => verdictOf(x, 'compute-3') === 'unconfirmed');
    for (let i = 0; i < 5; i++) await bed.pass();
    expect(r.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(r.decision.gates[0]!.reason).toMatch(/SecondSignalUnreachableError/);
    expect(bed.runs).toHaveLength(0);
    expect(fencePosts(bed.env)).toBe(0);
    expect(bed.env.smtp.messages.filter((m) => /observer gate/.test(m.raw))).toHaveLength(1);
  });

  test('a cliff on the second signal → nothing fenced that pass, the admins told why', async () => {
    bed = await startBed();
    // The watcher loses four of six hosts on the second signal at once; Nova loses one.
    for (const h of ['compute-2', 'compute-3', 'compute-4']) await bed.exporters.stop(h);
    await bed.kill('compute-1');
    await bed.prom.waitForUp((u) => ['compute-2', 'compute-3', 'compute-4'].every((h) => u[h] === 0));
    const r = await passesUntil(bed, (x) => verdictOf(x, 'compute-1') === 'failed');
    expect(r.decision.gates.map((g) => g.gate)).toContain('partition');
    expect(r.decision.recover).toEqual([]);
    await bed.pass();
    expect(bed.runs).toHaveLength(0);
    expect(fencePosts(bed.env)).toBe(0);
    expect(bed.env.smtp.messages.filter((m) => /partition gate/.test(m.raw))).toHaveLength(1);
  });

  test('storm gate, default gates: two recoveries one after another both succeed', async () => {
    bed = await startBed();
    await bed.kill('compute-1');
    await passesUntil(bed, (x) => x.started.length > 0);
    expect((await Promise.all(bed.runs)).map((x) => x.status)).toEqual(['SUCCEEDED']);

    // A second host dies two minutes later: the first recovery is still "recent" → held.
    const realNow = bed.env.rt.now;
    let offsetMs = 120_000;
    bed.env.rt.now = () => new Date(realNow().getTime() + offsetMs);
    await bed.kill('compute-2');
    const held = await passesUntil(bed, (x) => verdictOf(x, 'compute-2') === 'failed');
    expect(held.decision.gates.map((g) => g.gate)).toEqual(['storm']);
    expect(held.decision.gates[0]!.reason).toMatch(/1 recovered or in recovery within 600 s \(compute-1\)/);
    expect(bed.runs).toHaveLength(1);

    // Eleven minutes after the first recovery ended it is out for repair, not simultaneous trouble.
    offsetMs = 11 * 60_000;
    const r = await passesUntil(bed, (x) => x.started.length > 0);
    expect(r.started.map((s) => s.host)).toEqual(['compute-2']);
    expect((await Promise.all(bed.runs)).map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  test('storm gate, default gates: two hosts dying together are both held', async () => {
    bed = await startBed();
    await bed.kill('compute-1', 'compute-2');
    const r = await passesUntil(bed, (x) => x.decision.gates.some((g) => g.gate === 'storm'));
    expect(r.decision.gates.find((g) => g.gate === 'storm')!.hosts.sort()).toEqual(['compute-1', 'compute-2']);
    for (let i = 0; i < 3; i++) await bed.pass();
    expect(bed.runs).toHaveLength(0);
    expect(fencePosts(bed.env)).toBe(0);
  });

  test('bad answers from the real Prometheus: no series, NaN values, a range vector, a PromQL error — each a typed error, nothing judged', async () => {
    bed = await startBed();
    const read = async (query: string) => {
      const config = parseConfig({
        cloud: { from: 'env' },
        monitor: { secondSignal: { driver: 'prometheus', url: bed!.prom.url, query } },
      }).monitor.secondSignal!;
      return (await loadSecondSignal('prometheus'))({ config, hosts: HOSTS });
    };
    const cases: Array<[string, string, RegExp]> = [
      ['up{job="no-such-job"}', 'PrometheusNoSeriesError', /returned no series/],
      ['up * (0/0)', 'PrometheusBadValueError', /has the value "NaN", not a number/],
      ['up[1m]', 'PrometheusBadValueError', /returned a matrix, not an instant vector/],
      ['up{', 'PrometheusQueryError', /refused the query `up\{`/],
    ];
    for (const [query, name, message] of cases) {
      const r = await read(query);
      expect({ query, ok: r.ok }).toEqual({ query, ok: false });
      if (!r.ok) {
        expect({ query, name: r.error.name }).toEqual({ query, name });
        expect(r.error.message).toMatch(message);
      }
    }
    // And the monitor reads any of them as the observer gate: nothing fenced.
    bed.env.rt.config.monitor.secondSignal = parseConfig({
      cloud: { from: 'env' },
      monitor: { secondSignal: { driver: 'prometheus', url: bed.prom.url, query: 'up{job="no-such-job"}' } },
    }).monitor.secondSignal!;
    await bed.kill('compute-1');
    const r = await passesUntil(bed, (x) => verdictOf(x, 'compute-1') === 'unconfirmed');
    expect(r.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(r.decision.gates[0]!.reason).toMatch(/PrometheusNoSeriesError/);
    expect(bed.runs).toHaveLength(0);
  });
});
