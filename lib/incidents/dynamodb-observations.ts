import { backoffDelay, sleep } from '../async/index.js';
import type * as Lib from '@aws-sdk/lib-dynamodb';
import { StoreError } from './errors.js';
import { shouldWrite } from './observations.js';
import { ObservationSchema, type Observation } from './schemas.js';
import { isConditionFailed } from './dynamodb-lock.js';

/*
 * The monitor's memory on DynamoDB, built for one call per pass at thousands of hosts.
 *
 *   pk          sk     what
 *   OBS#<n>     OBS    `data`: JSON of { host: Observation } for the hosts hashed to shard n; `version`
 *   SETTING#<k> SETTING value (the settings the monitor reads every pass ride in the same batch)
 *
 * Only what observations.ts says to write is kept (the hosts that were ever suspects): a quiet
 * pass writes nothing, and a pass that changes something rewrites only the shards it touched. The shards spread the
 * memory over SHARDS partition keys, and one BatchGetItem reads them with the settings. At ~130
 * bytes an observation, the 400 KB item limit holds ~3,000 remembered hosts per shard, ~12,000
 * in all: more than the hosts that can be suspects at once in any cloud we serve (the all-stale
 * gate fires long before).
 */
export const SHARDS = 4;
/** A pass's reads are reused this long by the same pass (settings, and shards for the write). */
const COALESCE_MS = 2000;
const MAX_ATTEMPTS = 5;

export interface ObservationDeps {
  lib: typeof Lib;
  doc: Lib.DynamoDBDocumentClient;
  TableName: string;
}

const shardKey = (n: number) => ({ pk: `OBS#${n}`, sk: 'OBS' });
export const settingKey = (key: string) => ({ pk: `SETTING#${key}`, sk: 'SETTING' });

function shardOf(host: string): number {
  let h = 0;
  for (let i = 0; i < host.length; i++) h = (h * 31 + host.charCodeAt(i)) >>> 0;
  return h % SHARDS;
}

interface Shard {
  hosts: Record<string, Observation>;
  version: number;
}

function parseShard(item: Record<string, unknown> | undefined): Shard {
  if (!item) return { hosts: {}, version: 0 };
  const raw = JSON.parse(String(item.data ?? '{}')) as Record<string, unknown>;
  const hosts: Record<string, Observation> = {};
  for (const [host, o] of Object.entries(raw)) hosts[host] = ObservationSchema.parse(o);
  return { hosts, version: typeof item.version === 'number' ? item.version : 0 };
}

/** Observations and settings with coalesced reads; the store delegates its four methods here. */
// eslint-disable-next-line max-lines-per-function -- a factory: shard and setting reads share one short-lived cache in its closure
export function createObservationStore(d: ObservationDeps) {
  let shards: { at: number; list: Shard[] } | undefined;
  const settings = new Map<string, { at: number; value: string | undefined }>();
  /** Settings asked for before: later batches fetch them too. */
  const known = new Set<string>();

  async function batchRead(): Promise<Shard[]> {
    const settingKeys = [...known];
    const keys = [...Array.from({ length: SHARDS }, (_, n) => shardKey(n)), ...settingKeys.map(settingKey)];
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS)
        throw new StoreError('observations could not be read: DynamoDB kept keys unprocessed');
      if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 100, factor: 2, jitter: 0.25 }));
      const out = await d.doc.send(
        new d.lib.BatchGetCommand({ RequestItems: { [d.TableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[d.TableName] ?? []) found.set(String(item.pk), item);
      pending = (out.UnprocessedKeys?.[d.TableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    const at = Date.now();
    for (const k of settingKeys) {
      const v = found.get(settingKey(k).pk)?.value;
      settings.set(k, { at, value: typeof v === 'string' ? v : undefined });
    }
    const list = Array.from({ length: SHARDS }, (_, n) => parseShard(found.get(shardKey(n).pk)));
    shards = { at, list };
    return list;
  }

  const fresh = (at: number) => Date.now() - at < COALESCE_MS;

  async function readShard(n: number): Promise<Shard> {
    const out = await d.doc.send(
      new d.lib.GetCommand({ TableName: d.TableName, Key: shardKey(n), ConsistentRead: true }),
    );
    return parseShard(out.Item);
  }

  /** Apply one pass's observations to a shard; undefined when nothing it keeps changed. */
  function apply(shard: Shard, observations: Observation[]): Record<string, Observation> | undefined {
    const next = { ...shard.hosts };
    let changed = false;
    for (const o of observations) {
      if (!shouldWrite(next[o.host], o)) continue;
      next[o.host] = ObservationSchema.parse(o);
      changed = true;
    }
    return changed ? next : undefined;
  }

  async function writeShard(n: number, shard: Shard, observations: Observation[]): Promise<void> {
    let current = shard;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const next = apply(current, observations);
      if (!next) return;
      try {
        await d.doc.send(
          new d.lib.PutCommand({
            TableName: d.TableName,
            Item: { ...shardKey(n), data: JSON.stringify(next), version: current.version + 1 },
            ConditionExpression: 'attribute_not_exists(pk) OR #v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': current.version },
          }),
        );
        if (shards) shards.list[n] = { hosts: next, version: current.version + 1 };
        return;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        current = await readShard(n); // another writer moved it: re-apply on top of theirs
      }
    }
    throw new StoreError(`observation shard ${n} kept changing; write given up after ${MAX_ATTEMPTS} attempts`);
  }

  return {
    async getObservations(): Promise<Observation[]> {
      return (await batchRead()).flatMap((s) => Object.values(s.hosts));
    },

    async putObservations(observations: Observation[]): Promise<void> {
      const list = shards && fresh(shards.at) ? shards.list : await batchRead();
      // Grouped as they come, validated only when a shard keeps them (apply): a quiet pass over
      // thousands of healthy hosts keeps nothing, and must cost next to nothing.
      const byShard = new Map<number, Observation[]>();
      for (const o of observations) {
        const n = shardOf(o.host);
        const group = byShard.get(n);
        if (group) group.push(o);
        else byShard.set(n, [o]);
      }
      await Promise.all([...byShard].map(([n, obs]) => writeShard(n, list[n]!, obs)));
    },

    async getSetting(key: string): Promise<string | undefined> {
      known.add(key);
      const cached = settings.get(key);
      if (cached && fresh(cached.at)) return cached.value;
      const out = await d.doc.send(
        new d.lib.GetCommand({ TableName: d.TableName, Key: settingKey(key), ConsistentRead: true }),
      );
      const value = typeof out.Item?.value === 'string' ? out.Item.value : undefined;
      settings.set(key, { at: Date.now(), value });
      return value;
    },

    async putSetting(key: string, value: string | undefined): Promise<void> {
      if (value === undefined)
        await d.doc.send(new d.lib.DeleteCommand({ TableName: d.TableName, Key: settingKey(key) }));
      else await d.doc.send(new d.lib.PutCommand({ TableName: d.TableName, Item: { ...settingKey(key), value } }));
      settings.set(key, { at: Date.now(), value });
    },
  };
}
