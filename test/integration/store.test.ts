import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ORPHAN_LOCK_SECONDS, createDynamoStore } from '../../lib/incidents/dynamodb.js';
import { createIncidentTable } from '../support/dynamo-table.js';
import { IncidentExistsError, IncidentNotFoundError } from '../../lib/incidents/errors.js';
import { IncidentSchema, type Incident, type TimelineEvent } from '../../lib/incidents/schemas.js';
import { type InstanceRecord } from '../../lib/evacuation/schemas.js';
import { createSqliteStore } from '../../lib/incidents/sqlite.js';
import type { IncidentStore } from '../../lib/incidents/store.js';

// dynalite ships no types: a typed require keeps the test free of a declaration file.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (opts?: { createTableMs?: number; deleteTableMs?: number }) => Server;

let server: Server | undefined;
let client: DynamoDBClient | undefined;
let tableCounter = 0;

async function freshTable(): Promise<string> {
  const name = `freezer-dr-test-${++tableCounter}`;
  await createIncidentTable(client!, name);
  // dynalite answers ResourceNotFound while a table is CREATING, even with createTableMs: 0
  for (let i = 0; i < 100; i++) {
    const { Table } = await client!.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`table ${name} never became ACTIVE`);
}

beforeAll(async () => {
  const s = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  server = s;
  const { port } = s.address() as AddressInfo;
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

type Backend = { name: string; open: () => Promise<IncidentStore> };
const backends: Backend[] = [
  { name: 'sqlite', open: async () => createSqliteStore(':memory:') },
  {
    name: 'dynamodb (dynalite)',
    open: async () => createDynamoStore({ driver: 'dynamodb', table: await freshTable() }, { client: client! }),
  },
];

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function incident(id: string, host: string, minutes = 0, extra: Partial<Incident> = {}): Incident {
  return IncidentSchema.parse({
    id,
    host,
    status: 'open',
    reason: 'nova-compute down for 90 s',
    requestedBy: 'monitor',
    detectedAt: at(minutes),
    createdAt: at(minutes),
    updatedAt: at(minutes),
    ...extra,
  });
}

function instance(incidentId: string, instanceId: string, extra: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    incidentId,
    instanceId,
    name: `vm-${instanceId}`,
    projectId: 'p1',
    sourceHost: 'compute-1',
    targetHost: null,
    outcome: 'pending',
    reason: null,
    requests: 0,
    migrationId: null,
    startedAt: null,
    finishedAt: null,
    ...extra,
  };
}

const event = (i: number, step: TimelineEvent['step'] = 'evacuate'): TimelineEvent => ({
  at: at(i),
  step,
  message: `event ${i}`,
  instanceId: null,
});

async function existingOf(p: Promise<unknown>): Promise<Incident> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IncidentExistsError);
    expect((err as Error).name).toBe('IncidentExistsError');
    return (err as IncidentExistsError).existing;
  }
  throw new Error('expected IncidentExistsError');
}

describe.each(backends)('incident store: $name', ({ open }) => {
  let store: IncidentStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  describe('incidents', () => {
    test('create then get returns the incident with its defaults', async () => {
      const inc = incident('inc-a', 'compute-1');
      await store.createIncident(inc);
      expect(await store.getIncident('inc-a')).toEqual(inc);
      expect(await store.getIncident('nope')).toBeUndefined();
    });

    test('list is newest first and honours limit and openOnly', async () => {
      await store.createIncident(incident('inc-1', 'compute-1', 1));
      await store.createIncident(incident('inc-3', 'compute-3', 3));
      await store.createIncident(incident('inc-2', 'compute-2', 2));
      expect((await store.listIncidents()).map((i) => i.id)).toEqual(['inc-3', 'inc-2', 'inc-1']);
      expect((await store.listIncidents({ limit: 2 })).map((i) => i.id)).toEqual(['inc-3', 'inc-2']);
      await store.updateIncident('inc-2', { status: 'resolved' });
      expect((await store.listIncidents({ openOnly: true })).map((i) => i.id)).toEqual(['inc-3', 'inc-1']);
      expect((await store.listIncidents({ openOnly: true, limit: 1 })).map((i) => i.id)).toEqual(['inc-3']);
    });

    test('update merges the patch, stamps updatedAt and closes on a terminal status', async () => {
      await store.createIncident(incident('inc-u', 'compute-1'));
      const fence = {
        fenced: true as const,
        method: 'ipmi',
        target: '10.0.0.5',
        confirmedAt: at(1),
        attempts: 3,
        alreadyOff: false,
      };
      const fenced = await store.updateIncident('inc-u', { status: 'fenced', fence });
      expect(fenced).toMatchObject({ status: 'fenced', fence, closedAt: null });
      expect(fenced.updatedAt > at(0)).toBe(true);
      expect(await store.getIncident('inc-u')).toEqual(fenced);

      const done = await store.updateIncident('inc-u', { status: 'resolved', updatedAt: at(9) });
      expect(done).toMatchObject({ status: 'resolved', fence, updatedAt: at(9), closedAt: at(9) });
      expect(await store.getIncident('inc-u')).toEqual(done);
      await expect(store.updateIncident('missing', { status: 'failed' })).rejects.toBeInstanceOf(IncidentNotFoundError);
    });
  });

  describe('S4: one open incident per host', () => {
    test('a second open incident for the host is refused with the existing one', async () => {
      const first = incident('inc-first', 'compute-1');
      await store.createIncident(first);
      const existing = await existingOf(store.createIncident(incident('inc-second', 'compute-1', 1)));
      expect(existing.id).toBe('inc-first');
      expect(existing.host).toBe('compute-1');
      expect(await store.findOpenIncident('compute-1')).toEqual(first);
      expect(await store.getIncident('inc-second')).toBeUndefined();
      // another host is unaffected, and exact host names only (S3): compute-10 is not compute-1
      await store.createIncident(incident('inc-ten', 'compute-10'));
      expect((await store.findOpenIncident('compute-10'))?.id).toBe('inc-ten');
    });

    test('the same id twice is refused', async () => {
      await store.createIncident(incident('inc-dup', 'compute-1'));
      expect((await existingOf(store.createIncident(incident('inc-dup', 'compute-1')))).id).toBe('inc-dup');
      expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-dup');
    });

    test('after the incident closes, the host takes a new one', async () => {
      await store.createIncident(incident('inc-old', 'compute-1'));
      await store.updateIncident('inc-old', { status: 'partial' });
      expect(await store.findOpenIncident('compute-1')).toBeUndefined();
      await store.createIncident(incident('inc-new', 'compute-1', 5));
      expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-new');
      expect((await store.listIncidents()).map((i) => [i.id, i.status])).toEqual([
        ['inc-new', 'open'],
        ['inc-old', 'partial'],
      ]);
    });

    test('a closed incident with a reused id is still refused', async () => {
      await store.createIncident(incident('inc-x', 'compute-1'));
      await store.updateIncident('inc-x', { status: 'failed' });
      expect((await existingOf(store.createIncident(incident('inc-x', 'compute-1')))).status).toBe('failed');
      expect(await store.findOpenIncident('compute-1')).toBeUndefined();
      await store.createIncident(incident('inc-y', 'compute-1'));
    });

    test('an incident created terminal (a dry run) does not hold the host', async () => {
      await store.createIncident(incident('inc-dry', 'compute-1', 0, { status: 'dry-run', dryRun: true }));
      expect(await store.findOpenIncident('compute-1')).toBeUndefined();
      await store.createIncident(incident('inc-real', 'compute-1', 1));
      expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-real');
    });

    test('concurrent creates for one host: exactly one wins, the others see the winner', async () => {
      for (let round = 0; round < 5; round++) {
        const host = `compute-r${round}`;
        const ids = [0, 1, 2, 3].map((n) => `inc-r${round}-${n}`);
        const results = await Promise.allSettled(ids.map((id, n) => store.createIncident(incident(id, host, n))));
        const won = results.flatMap((r, n) => (r.status === 'fulfilled' ? [ids[n]!] : []));
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(IncidentExistsError);
            expect((r.reason as IncidentExistsError).existing.id).toBe(won[0]);
          }
        }
        expect((await store.findOpenIncident(host))?.id).toBe(won[0]);
        expect((await store.listIncidents({ openOnly: true })).filter((i) => i.host === host)).toHaveLength(1);
      }
    });

    test('concurrent creates of the same id: exactly one wins', async () => {
      const results = await Promise.allSettled(
        [0, 1, 2].map(() => store.createIncident(incident('inc-same', 'compute-1'))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-same');
    });
  });

  test('instances: upsert keeps first-write order; lists are per incident', async () => {
    await store.putInstance(instance('inc-1', 'b-2'));
    await store.putInstance(instance('inc-1', 'a-1'));
    await store.putInstance(instance('inc-1', 'c-3'));
    await store.putInstance(instance('inc-2', 'z-9'));
    await store.putInstance(
      instance('inc-1', 'b-2', {
        outcome: 'evacuated',
        targetHost: 'compute-2',
        requests: 1,
        migrationId: 42,
        finishedAt: at(3),
      }),
    );
    const list = await store.listInstances('inc-1');
    expect(list.map((i) => i.instanceId)).toEqual(['b-2', 'a-1', 'c-3']);
    expect(list[0]).toEqual(
      instance('inc-1', 'b-2', {
        outcome: 'evacuated',
        targetHost: 'compute-2',
        requests: 1,
        migrationId: 42,
        finishedAt: at(3),
      }),
    );
    expect(await store.getInstance('inc-1', 'a-1')).toEqual(instance('inc-1', 'a-1'));
    expect(await store.getInstance('inc-1', 'z-9')).toBeUndefined();
    expect((await store.listInstances('inc-2')).map((i) => i.instanceId)).toEqual(['z-9']);
    expect(await store.listInstances('inc-none')).toEqual([]);
  });

  test('events come back in append order, per incident', async () => {
    await store.createIncident(incident('inc-e', 'compute-1'));
    const events = Array.from({ length: 12 }, (_, i) => event(11 - i, i % 2 ? 'fence' : 'evacuate'));
    for (const e of events) await store.appendEvent('inc-e', e);
    await store.appendEvent('inc-other', event(0, 'detect'));
    await store.appendEvent('inc-e', { at: at(20), step: 'evacuate', message: 'vm-1 evacuated', instanceId: 'i-1' });
    expect(await store.listEvents('inc-e')).toEqual([
      ...events,
      { at: at(20), step: 'evacuate', message: 'vm-1 evacuated', instanceId: 'i-1' },
    ]);
    expect(await store.listEvents('inc-other')).toEqual([event(0, 'detect')]);
    expect(await store.listEvents('inc-none')).toEqual([]);
  });

  test('observations upsert by host', async () => {
    expect(await store.getObservations()).toEqual([]);
    await store.putObservations([
      { host: 'compute-1', suspectSince: null, lastSeenAt: at(0), lastState: 'up' },
      { host: 'compute-2', suspectSince: at(0), lastSeenAt: at(0), lastState: 'down' },
    ]);
    await store.putObservations([{ host: 'compute-1', suspectSince: at(1), lastSeenAt: at(1), lastState: 'down' }]);
    await store.putObservations([]);
    const got = (await store.getObservations()).sort((a, b) => a.host.localeCompare(b.host));
    expect(got).toEqual([
      { host: 'compute-1', suspectSince: at(1), lastSeenAt: at(1), lastState: 'down' },
      { host: 'compute-2', suspectSince: at(0), lastSeenAt: at(0), lastState: 'down' },
    ]);
  });

  test('many observations in one call: suspects kept, hosts only ever healthy not', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      host: `compute-${i}`,
      suspectSince: i % 2 ? at(0) : null,
      lastSeenAt: at(0),
      lastState: i % 2 ? 'down' : 'up',
    }));
    await store.putObservations(many);
    expect(await store.getObservations()).toHaveLength(30);
    // Ten recover: kept, with the pass that saw them healthy; the healthy ones stay unkept.
    await store.putObservations(
      many.slice(0, 20).map((o) => ({ ...o, suspectSince: null, lastState: 'up', lastHealthyAt: at(1) })),
    );
    const kept = await store.getObservations();
    expect(kept).toHaveLength(30);
    expect(kept.filter((o) => o.suspectSince === null).map((o) => o.lastHealthyAt)).toEqual(Array(10).fill(at(1)));
  });

  test('a host seen again with the same memory keeps its grace start', async () => {
    await store.putObservations([{ host: 'c-1', suspectSince: at(0), lastSeenAt: at(0), lastState: 'down' }]);
    await store.putObservations([{ host: 'c-1', suspectSince: at(0), lastSeenAt: at(1), lastState: 'down' }]);
    expect((await store.getObservations()).map((o) => [o.host, o.suspectSince])).toEqual([['c-1', at(0)]]);
  });

  test('settings: put, overwrite, delete', async () => {
    expect(await store.getSetting('paused')).toBeUndefined();
    await store.putSetting('paused', 'true');
    expect(await store.getSetting('paused')).toBe('true');
    await store.putSetting('paused', 'false');
    expect(await store.getSetting('paused')).toBe('false');
    await store.putSetting('paused', undefined);
    expect(await store.getSetting('paused')).toBeUndefined();
    await store.putSetting('never-set', undefined);
  });
});

describe('dynamodb store: crash recovery of the S4 lock', () => {
  let table: string;
  let store: IncidentStore;
  const lockItem = (host: string, incidentId: string, acquiredAt: string, snapshot: Incident) => ({
    pk: { S: `HOST#${host}` },
    sk: { S: 'OPEN' },
    incidentId: { S: incidentId },
    acquiredAt: { S: acquiredAt },
    snapshot: {
      M: {
        id: { S: snapshot.id },
        host: { S: snapshot.host },
        status: { S: snapshot.status },
        reason: { S: snapshot.reason },
        requestedBy: { S: snapshot.requestedBy },
        detectedAt: { S: snapshot.detectedAt },
        createdAt: { S: snapshot.createdAt },
        updatedAt: { S: snapshot.updatedAt },
      },
    },
  });

  beforeEach(async () => {
    table = await freshTable();
    store = createDynamoStore({ driver: 'dynamodb', table }, { client: client!, now: () => new Date(at(60)) });
  });

  test('a lock left behind by a closed incident is taken over', async () => {
    await store.createIncident(incident('inc-closed', 'compute-1'));
    await store.updateIncident('inc-closed', { status: 'resolved' });
    // as if the process died between closing META and deleting the lock
    await client!.send(
      new PutItemCommand({
        TableName: table,
        Item: lockItem('compute-1', 'inc-closed', at(0), incident('inc-closed', 'compute-1')),
      }),
    );
    expect(await store.findOpenIncident('compute-1')).toBeUndefined();
    await store.createIncident(incident('inc-next', 'compute-1', 30));
    expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-next');
  });

  test('a lock without its incident counts as in flight, then as orphaned', async () => {
    const ghost = incident('inc-ghost', 'compute-1', 59);
    // written one minute ago by a creator that has not written META yet
    await client!.send(
      new PutItemCommand({ TableName: table, Item: lockItem('compute-1', 'inc-ghost', at(59), ghost) }),
    );
    expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-ghost');
    expect((await existingOf(store.createIncident(incident('inc-mine', 'compute-1', 60)))).id).toBe('inc-ghost');

    // the same lock, but older than ORPHAN_LOCK_SECONDS: its creator is gone
    const old = new Date(Date.parse(at(60)) - (ORPHAN_LOCK_SECONDS + 1) * 1000).toISOString();
    await client!.send(new PutItemCommand({ TableName: table, Item: lockItem('compute-1', 'inc-ghost', old, ghost) }));
    expect(await store.findOpenIncident('compute-1')).toBeUndefined();
    await store.createIncident(incident('inc-mine', 'compute-1', 60));
    expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-mine');
  });

  test('the creator of a lock without META finishes the job when it retries', async () => {
    const mine = incident('inc-retry', 'compute-1', 59);
    await client!.send(
      new PutItemCommand({ TableName: table, Item: lockItem('compute-1', 'inc-retry', at(59), mine) }),
    );
    await store.createIncident(mine);
    expect(await store.findOpenIncident('compute-1')).toEqual(mine);
  });

  test('reopening a closed incident takes the lock again, or is refused', async () => {
    await store.createIncident(incident('inc-a', 'compute-1'));
    await store.updateIncident('inc-a', { status: 'failed' });
    await store.createIncident(incident('inc-b', 'compute-1', 1));
    expect((await existingOf(store.updateIncident('inc-a', { status: 'evacuating' }))).id).toBe('inc-b');
    await store.updateIncident('inc-b', { status: 'resolved' });
    await store.updateIncident('inc-a', { status: 'evacuating' });
    expect((await store.findOpenIncident('compute-1'))?.id).toBe('inc-a');
  });

  test('concurrent updates of different fields do not lose each other', async () => {
    await store.createIncident(incident('inc-c', 'compute-1'));
    const fence = {
      fenced: true as const,
      method: 'redfish',
      target: 'bmc-1',
      confirmedAt: at(1),
      attempts: 2,
      alreadyOff: false,
    };
    const isolation = {
      serviceId: 'svc-1',
      forcedDownAt: at(2),
      disabledAt: at(2),
      disabledReason: 'freezer-dr inc-c: fenced',
    };
    const error = { name: 'Boom', message: 'x' };
    const notifications = [
      {
        channel: 'email',
        recipient: 'a@example.org',
        kind: 'admin' as const,
        ok: true,
        detail: null,
        at: at(3),
        messageId: null,
      },
    ];
    await Promise.all([
      store.updateIncident('inc-c', { fence }),
      store.updateIncident('inc-c', { isolation }),
      store.updateIncident('inc-c', { error }),
      store.updateIncident('inc-c', { notifications }),
    ]);
    expect(await store.getIncident('inc-c')).toMatchObject({ fence, isolation, error, notifications });
  });
});
