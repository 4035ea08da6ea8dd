import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentedValidator } from '../support/events-schema.js';
import {
  EventTypeSchema,
  eventsJsonSchema,
  publishEvent,
  publishPassEvents,
  setEventSinks,
  type LifecycleEvent,
} from '../../lib/events/index.js';
import { createLogger } from '../../lib/log/index.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'events.schema.json');

const inst = {
  id: 'i-1',
  name: 'web-1',
  projectId: 'p',
  sourceHost: 'compute-1',
  targetHost: 'compute-2',
  outcome: 'evacuated',
  reason: null,
} as const;
const samples: Record<string, unknown> = {
  detected: { reason: 'heartbeat 70 s old', requestedBy: 'monitor' },
  'gate.fired': { gate: 'storm', reason: 'too many', hosts: ['compute-1', 'compute-2'] },
  'fence.started': { driver: 'ipmi' },
  'fence.confirmed': { driver: 'ipmi', attempts: 2, alreadyOff: false },
  'fence.failed': { driver: 'redfish', error: 'PowerOffTimeoutError' },
  isolated: { serviceId: 's-1', disabledReason: 'freezer-dr inc-1: fenced' },
  'evacuation.started': { instances: 3, skipped: 1 },
  'instance.evacuated': { instance: inst },
  'instance.failed': { instance: { ...inst, targetHost: null, outcome: 'failed', reason: 'No valid host' } },
  'recovery.completed': { outcome: 'resolved', evacuated: 3 },
  'recovery.partial': { outcome: 'partial', evacuated: 2, notRecovered: 1 },
  'recovery.failed': { outcome: 'timed-out', evacuated: 0, notRecovered: 3, error: null },
  'returned-to-service': { serviceId: 's-1' },
};

function capture() {
  const events: LifecycleEvent[] = [];
  const logs: string[] = [];
  setEventSinks([{ name: 'test', send: async (e) => void events.push(e) }]);
  const ctx = {
    log: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    now: () => new Date('2026-11-30T00:00:00Z'),
  };
  return { events, logs, ctx };
}

describe('lifecycle events', () => {
  test('docs/events.schema.json is what the zod schema generates (node bin/run-ts.js infra/events-schema.ts)', () => {
    expect(JSON.parse(readFileSync(DOC, 'utf8'))).toEqual(JSON.parse(JSON.stringify(eventsJsonSchema())));
  });

  test('every type is published, logged, and valid against the documented schema', async () => {
    expect(Object.keys(samples).sort()).toEqual([...EventTypeSchema.options].sort());
    const { events, logs, ctx } = capture();
    for (const [type, data] of Object.entries(samples))
      await publishEvent(ctx, type as never, { incidentId: 'inc-1', host: 'compute-1' }, data as never);
    setEventSinks([]);
    const validate = documentedValidator();
    expect(events).toHaveLength(Object.keys(samples).length);
    for (const e of events) expect([e.type, validate(e), validate.errors ?? null]).toEqual([e.type, true, null]);
    expect(logs.filter((l) => JSON.parse(l).message.startsWith('event '))).toHaveLength(events.length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('the documented schema refuses an unknown field, a wrong version and a missing one', () => {
    const validate = documentedValidator();
    const ok = {
      version: '1',
      id: '8f14e45f-ceea-467f-a8b3-9c1a1b2c3d4e',
      time: 'x',
      type: 'isolated',
      incidentId: 'i',
      host: 'h',
      data: samples.isolated,
    };
    expect(validate(ok)).toBe(true);
    expect(validate({ ...ok, extra: 1 })).toBe(false);
    expect(validate({ ...ok, version: '2' })).toBe(false);
    expect(validate({ ...ok, data: { serviceId: 's' } })).toBe(false);
  });

  test('an event that does not match its schema is logged as an error and not sent; a failing sink never throws', async () => {
    const { events, logs, ctx } = capture();
    await publishEvent(ctx, 'isolated', { incidentId: 'i', host: 'h' }, { serviceId: 's' } as never);
    expect(events).toEqual([]);
    expect(logs.join('\n')).toMatch(/does not match its schema/);
    setEventSinks([{ name: 'broken', send: async () => Promise.reject(new Error('503')) }]);
    await expect(
      publishEvent(ctx, 'fence.started', { incidentId: 'i', host: 'h' }, { driver: 'ipmi' }),
    ).resolves.toBeDefined();
    expect(logs.join('\n')).toMatch(/not delivered/);
    setEventSinks([]);
  });

  test('a gate is one event per episode, also across processes (the store remembers it)', async () => {
    const { events, ctx } = capture();
    const settings = new Map<string, string>();
    const store = {
      getSetting: async (k: string) => settings.get(k),
      putSetting: async (k: string, v: string | undefined) =>
        void (v === undefined ? settings.delete(k) : settings.set(k, v)),
    };
    const pass = (gates: string[]) => ({
      at: 'x',
      hosts: [],
      gates: gates.map((gate) => ({ gate, reason: `${gate} fired`, hosts: [] })),
      recover: [],
    });
    for (const gates of [['observer'], ['observer'], ['observer', 'storm'], [], ['observer']])
      await publishPassEvents({ ...ctx, store }, pass(gates) as never, []);
    setEventSinks([]);
    expect(events.map((e) => (e.data as { gate: string }).gate)).toEqual(['observer', 'storm', 'observer']);
  });
});

describe('event ids', () => {
  test('an incident step has a stable id (a retry repeats it); other events are random', async () => {
    const { events, ctx } = capture();
    const ref = { incidentId: 'inc-1', host: 'compute-1' };
    await publishEvent(ctx, 'fence.started', ref, { driver: 'ipmi' });
    await publishEvent(ctx, 'fence.started', ref, { driver: 'ipmi' });
    await publishEvent(ctx, 'instance.evacuated', ref, samples['instance.evacuated'] as never);
    await publishEvent(ctx, 'instance.evacuated', ref, {
      instance: { ...(samples['instance.evacuated'] as { instance: object }).instance, id: 'i-2' },
    } as never);
    await publishEvent(ctx, 'returned-to-service', { incidentId: null, host: 'compute-1' }, { serviceId: 's' });
    await publishEvent(ctx, 'returned-to-service', { incidentId: null, host: 'compute-1' }, { serviceId: 's' });
    setEventSinks([]);
    const ids = events.map((e) => e.id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[3]);
    expect(ids[4]).not.toBe(ids[5]);
    const validate = documentedValidator();
    for (const e of events) expect(validate(e)).toBe(true);
  });
});
