import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova } from './helpers.js';

let sim: SimCloud;
let token: string;
beforeAll(async () => {
  sim = await startSimCloud({ ...FAST, hosts: 3 });
  token = await adminToken(sim);
});
afterAll(() => sim.stop());

const up = async () => {
  const res = await call(`${sim.prometheusUrl}/api/v1/query?query=up`);
  return Object.fromEntries(
    (res.body.data.result as Array<{ metric: { instance: string }; value: [number, string] }>).map((s) => [
      s.metric.instance,
      s.value[1],
    ]),
  );
};

describe('simulator: the second signal and aggregates', () => {
  test("Prometheus' up follows the host: a crash darkens it, a hung nova-compute does not, a restart or power-off moves it", async () => {
    expect(await up()).toEqual({ 'compute-1:9100': '1', 'compute-2:9100': '1', 'compute-3:9100': '1' });
    sim.crashHost('compute-1');
    sim.stopNovaCompute('compute-2');
    expect(await up()).toMatchObject({ 'compute-1:9100': '0', 'compute-2:9100': '1' });
    sim.restartHost('compute-1');
    expect((await up())['compute-1:9100']).toBe('1');
    sim.faults.dark.add('compute-3');
    expect((await up())['compute-3:9100']).toBe('0');
    sim.faults.dark.delete('compute-3');
    sim.restartHost('compute-2');
  });

  test('GET /os-aggregates (admin): name, zone, hosts, metadata (the zone mirrored, as Nova does)', async () => {
    sim.setAggregates([
      { name: 'rack-a', availabilityZone: 'az1', hosts: ['compute-1'], metadata: { 'freezer-dr:max_failures': '1' } },
    ]);
    const res = await nova(sim, token, '/os-aggregates', { mv: '2.41' });
    expect(res.status).toBe(200);
    expect(res.body.aggregates).toEqual([
      expect.objectContaining({
        id: 1,
        uuid: expect.any(String),
        name: 'rack-a',
        availability_zone: 'az1',
        hosts: ['compute-1'],
        metadata: { 'freezer-dr:max_failures': '1', availability_zone: 'az1' },
      }),
    ]);
    // Before 2.41 there is no uuid.
    expect((await nova(sim, token, '/os-aggregates', { mv: '2.40' })).body.aggregates[0]).not.toHaveProperty('uuid');
  });
});
