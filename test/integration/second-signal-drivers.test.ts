import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../lib/config/index.js';
import { loadSecondSignal, type SecondObserved } from '../../lib/monitor/index.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';

let sim: SimCloud;
beforeAll(async () => {
  sim = await startSimCloud({ hosts: 3 });
});
afterAll(() => sim.stop());

const promConfig = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    cloud: { from: 'env' },
    monitor: { secondSignal: { driver: 'prometheus', url: sim.prometheusUrl, requestTimeoutSeconds: 1, ...extra } },
  }).monitor.secondSignal!;

async function readProm(extra: Record<string, unknown> = {}): Promise<SecondObserved> {
  const driver = await loadSecondSignal('prometheus');
  return driver({ config: promConfig(extra), hosts: sim.hosts });
}

describe('prometheus second signal (the simulator answering like a real one goes wrong)', () => {
  test("default query `up`, host from node_exporter's instance label", async () => {
    sim.faults.prometheus.mode = 'ok';
    sim.crashHost('compute-2');
    const r = await readProm();
    expect(r).toMatchObject({
      ok: true,
      hosts: {
        'compute-1': { reachability: 'alive' },
        'compute-2': { reachability: 'unreachable', detail: 'up=0 (instance compute-2:9100)' },
        'compute-3': { reachability: 'alive' },
      },
    });
    sim.restartHost('compute-2');
  });

  test.each([
    ['html', 'PrometheusBadResponseError', /text\/html.*not the Prometheus API's JSON/],
    ['error', 'PrometheusQueryError', /refused the query `up`: invalid parameter/],
    ['no-series', 'PrometheusNoSeriesError', /the query `up` returned no series/],
    ['non-numeric', 'PrometheusBadValueError', /has the value "abc", not a number/],
    ['down', 'SecondSignalUnreachableError', /did not answer/],
  ] as const)('bad answer %s → %s, nothing judged', async (mode, name, message) => {
    sim.faults.prometheus.mode = mode;
    const r = await readProm();
    sim.faults.prometheus.mode = 'ok';
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.name).toBe(name);
    expect(r.error.message).toMatch(message);
  });

  test('S6: the bearer token is resolved from its reference and never appears in an error', async () => {
    process.env.FDR_TEST_PROM_TOKEN = 'prom-token-s3cr3t-value';
    for (const mode of ['html', 'error', 'down'] as const) {
      sim.faults.prometheus.mode = mode;
      const r = await readProm({ bearerToken: 'env:FDR_TEST_PROM_TOKEN' });
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r)).not.toContain('prom-token-s3cr3t-value');
    }
    sim.faults.prometheus.mode = 'ok';
    expect((await readProm({ bearerToken: 'env:FDR_TEST_PROM_TOKEN' })).ok).toBe(true);
    // A token written into the config itself is refused: only references are accepted.
    expect(() => promConfig({ bearerToken: 'prom-token-s3cr3t-value' })).toThrow(/secret reference/);
  });

  test('a host label no series carries is a clear error', async () => {
    const r = await readProm({ hostLabel: 'nodename' });
    expect(r).toMatchObject({ ok: false, error: { name: 'PrometheusNoSeriesError' } });
    if (!r.ok) expect(r.error.message).toMatch(/carries the label "nodename"/);
  });

  test("another driver's keys in the second-signal config are refused with the field path", () => {
    expect(() =>
      parseConfig({
        cloud: { from: 'env' },
        monitor: { secondSignal: { driver: 'prometheus', url: 'http://127.0.0.1:9090', ports: [22] } },
      }),
    ).toThrow(/monitor\.secondSignal.*ports|Unrecognized key.*ports/s);
    expect(() =>
      parseConfig({ cloud: { from: 'env' }, monitor: { secondSignal: { driver: 'tcp-probe', query: 'up' } } }),
    ).toThrow(/monitor\.secondSignal.*query|Unrecognized key.*query/s);
  });
});

describe('tcp-probe second signal', () => {
  let listener: Server;
  let port: number;
  beforeAll(async () => {
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => listener.close(() => r())));

  const probe = async (extra: Record<string, unknown>) => {
    const config = parseConfig({
      cloud: { from: 'env' },
      monitor: { secondSignal: { driver: 'tcp-probe', timeoutSeconds: 1, ...extra } },
    }).monitor.secondSignal!;
    return (await loadSecondSignal('tcp-probe'))({ config, hosts: ['compute-1', 'compute-2'] });
  };

  test('an accepting port is alive; a refused one is alive by default (the kernel answered), unreachable when asked', async () => {
    // A port nothing listens on: close a listener to get one.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    const both = { address: '127.0.0.1', addresses: {}, ports: [port] };
    expect(await probe(both)).toMatchObject({ ok: true, hosts: { 'compute-1': { reachability: 'alive' } } });
    const refused = { address: '127.0.0.1', ports: [closedPort] };
    expect(await probe(refused)).toMatchObject({ hosts: { 'compute-1': { reachability: 'alive' } } });
    const strict = await probe({ ...refused, refused: 'unreachable' });
    expect(strict).toMatchObject({ hosts: { 'compute-1': { reachability: 'unreachable' } } });
    // Per-host addresses win over the template.
    const mixed = await probe({
      address: '127.0.0.1',
      addresses: { 'compute-2': 'localhost' },
      ports: [closedPort],
      refused: 'unreachable',
    });
    if (mixed.ok) expect(mixed.hosts['compute-2']!.detail).toMatch(/^localhost:/);
  });

  test('a name that does not resolve is unknown, never unreachable (no proof the host is dead)', async () => {
    const r = await probe({ address: '{host}.invalid', ports: [22] });
    expect(r).toMatchObject({ hosts: { 'compute-1': { reachability: 'unknown' } } });
  });
});
