import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config/index.js';
import { InstanceRecordSchema, type InstanceRecord } from '../evacuation/index.js';
import { IncidentExistsError, IncidentNotFoundError, StoreError } from './errors.js';
import { acquireLock, isConditionFailed, openIncidentOf, releaseLock, type LockDeps } from './dynamodb-lock.js';
import { createObservationStore } from './dynamodb-observations.js';
import {
  IncidentSchema,
  TERMINAL_STATUSES,
  TimelineEventSchema,
  type Incident,
  type TimelineEvent,
} from './schemas.js';
import type { IncidentStore } from './store.js';

export { ORPHAN_LOCK_SECONDS } from './dynamodb-lock.js';

/*
 * The DynamoDB store: one table, single-table design.
 *
 *   pk                   sk                 what
 *   INCIDENT#<id>        META               the incident (its fields as top-level attributes) + isOpen, version,
 *                                           gsi1pk = "INCIDENT", gsi1sk = "<createdAt>#<id>",
 *                                           and while open only: gsi2pk = "OPEN", gsi2sk = gsi1sk
 *   INCIDENT#<id>        INSTANCE#<iid>     one InstanceRecord + ord (first-write order, kept on upsert)
 *   INCIDENT#<id>        COUNTER#EVENT      n: the last event sequence number (atomic ADD)
 *   INCIDENT#<id>        EVENT#<seq:10>     one TimelineEvent; zero-padded seq, so sk order = append order
 *   HOST#<host>          OPEN               S4 lock: incidentId, acquiredAt, snapshot (the incident as created)
 *   OBS#<n>              OBS                the monitor's memory, shard n (dynamodb-observations.ts)
 *   SETTING#<key>        SETTING            value
 *
 * GSI "byCreated" (gsi1pk, gsi1sk), projection ALL: listIncidents newest first with one Query.
 * GSI "open" (gsi2pk, gsi2sk), sparse: only open incidents carry its keys, so the monitor's
 * listIncidents({openOnly}) every minute reads the few open ones, never the whole history.
 * Incidents are rare (a handful a month), so the single GSI partitions are never hot. The monitor's
 * memory keeps only hosts that carry some (suspects), spread over a few shard keys, read with the
 * settings in one BatchGetItem and rewritten only where it changed: a quiet pass at 5,000 hosts
 * reads once and writes nothing.
 *
 * S4 without transactions lives in dynamodb-lock.ts. A failed condition becomes IncidentExistsError
 * carrying the existing incident.
 *
 * updateIncident is optimistic: it re-reads and re-applies the patch when `version` moved meanwhile,
 * so concurrent Tasks never lose each other's updates. Reads that decide something are strongly
 * consistent; listIncidents goes through the GSI and is eventually consistent (lag well under 1 s).
 */

/** Key schema and GSI, shared by the tests (which create the table) and checked against serverless.yml. */
export const DYNAMO_TABLE_SPEC = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byCreated',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'open',
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  ttlAttribute: 'expiresAt',
} as const;

const META = 'META';
const BY_CREATED = 'byCreated';
const OPEN_INDEX = 'open';
const MAX_ATTEMPTS = 8;
const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'isOpen',
  'version',
  'ord',
  'expiresAt',
] as const;

const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: META });

type Item = Record<string, unknown>;
type DynamoStoreConfig = Extract<StoreConfig, { driver: 'dynamodb' }>;

export interface DynamoStoreDeps {
  /** A client to use instead of one built from the config; the store does not destroy it on close(). */
  client?: DynamoDBClient;
  now?: () => Date;
}

const isOpenStatus = (i: Incident) => !TERMINAL_STATUSES.has(i.status);

function strip(item: Item): Item {
  const out: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out;
}

/** The SDK and everything built on it, made on first use: importing this file loads no AWS SDK. */
async function connect(config: DynamoStoreConfig, deps: DynamoStoreDeps, now: () => Date) {
  const [{ DynamoDBClient }, lib] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const client =
    deps.client ??
    new DynamoDBClient({
      ...(config.region ? { region: config.region } : {}),
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    });
  const doc = lib.DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = config.table;
  const readMeta = async (id: string): Promise<{ incident: Incident; version: number } | undefined> => {
    const item = (await doc.send(new lib.GetCommand({ TableName, Key: incidentKey(id), ConsistentRead: true }))).Item;
    if (!item) return undefined;
    return {
      incident: IncidentSchema.parse(strip(item)),
      version: typeof item.version === 'number' ? item.version : 0,
    };
  };
  const lock: LockDeps = { lib, doc, TableName, now, readIncident: async (id) => (await readMeta(id))?.incident };
  return { client, lib, doc, TableName, readMeta, lock, obs: createObservationStore({ lib, doc, TableName }) };
}

/** The IncidentStore on DynamoDB (AWS SDK v3 DocumentClient). */
// eslint-disable-next-line max-lines-per-function -- a factory: the IncidentStore methods share one client and table; each method is short, lock handling lives in dynamodb-lock.ts
export function createDynamoStore(config: DynamoStoreConfig, deps: DynamoStoreDeps = {}): IncidentStore {
  const now = deps.now ?? (() => new Date());
  let connection: ReturnType<typeof connect> | undefined;
  const db = () => (connection ??= connect(config, deps, now));
  let ordCounter = 0;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = Infinity): Promise<Item[]> {
    const { doc, lib, TableName } = await db();
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await doc.send(
        new lib.QueryCommand({ ...input, TableName, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items.slice(0, max);
  }

  const metaItem = (incident: Incident, version: number): Item => {
    const sortKey = `${incident.createdAt}#${incident.id}`;
    const open = isOpenStatus(incident);
    // PutItem replaces the whole item: closing drops gsi2pk/gsi2sk, which takes it out of the "open" index.
    return {
      ...incident,
      ...incidentKey(incident.id),
      gsi1pk: 'INCIDENT',
      gsi1sk: sortKey,
      ...(open ? { gsi2pk: 'OPEN', gsi2sk: sortKey } : {}),
      isOpen: open,
      version,
    };
  };

  return {
    async createIncident(incident) {
      const { doc, lib, TableName, readMeta, lock } = await db();
      const valid = IncidentSchema.parse(incident);
      const open = isOpenStatus(valid);
      if (open) await acquireLock(lock, valid);
      try {
        await doc.send(
          new lib.PutCommand({ TableName, Item: metaItem(valid, 1), ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) {
          if (open) await releaseLock(lock, valid.host, valid.id);
          throw err;
        }
        const existing = await readMeta(valid.id);
        // The lock stays only when it rightly belongs to the existing incident (same id, open, same host).
        if (open && !(existing && isOpenStatus(existing.incident) && existing.incident.host === valid.host))
          await releaseLock(lock, valid.host, valid.id);
        if (existing) throw new IncidentExistsError(existing.incident);
        throw new StoreError(`incident ${valid.id} could not be written`, { cause: err });
      }
    },

    async getIncident(id) {
      return (await (await db()).readMeta(id))?.incident;
    },

    async findOpenIncident(host) {
      return openIncidentOf((await db()).lock, host);
    },

    async listIncidents(opts = {}) {
      const limit = opts.limit ?? 1000;
      const items = await queryAll(
        opts.openOnly
          ? {
              IndexName: OPEN_INDEX,
              KeyConditionExpression: 'gsi2pk = :g',
              ExpressionAttributeValues: { ':g': 'OPEN' },
              ScanIndexForward: false,
              Limit: Math.min(limit, 1000),
            }
          : {
              IndexName: BY_CREATED,
              KeyConditionExpression: 'gsi1pk = :g',
              ExpressionAttributeValues: { ':g': 'INCIDENT' },
              ScanIndexForward: false,
              Limit: Math.min(limit, 1000),
            },
        limit,
      );
      return items.map((i) => IncidentSchema.parse(strip(i)));
    },

    async updateIncident(id, patch) {
      const { doc, lib, TableName, readMeta, lock } = await db();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await readMeta(id);
        if (!current) throw new IncidentNotFoundError(id);
        const next = IncidentSchema.parse({
          ...current.incident,
          ...patch,
          updatedAt: patch.updatedAt ?? now().toISOString(),
        });
        const wasOpen = isOpenStatus(current.incident);
        const closing = !isOpenStatus(next);
        if (closing && !next.closedAt) next.closedAt = next.updatedAt;
        if (!wasOpen && !closing) await acquireLock(lock, next); // reopening: S4 again
        try {
          await doc.send(
            new lib.PutCommand({
              TableName,
              Item: metaItem(next, current.version + 1),
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': current.version },
            }),
          );
        } catch (err) {
          if (isConditionFailed(err)) continue; // changed meanwhile: re-read and re-apply the patch
          throw err;
        }
        if (wasOpen && closing) await releaseLock(lock, next.host, id);
        return next;
      }
      throw new StoreError(`incident ${id} kept changing; update given up after ${MAX_ATTEMPTS} attempts`);
    },

    async putInstance(record) {
      const { doc, lib, TableName } = await db();
      const valid = InstanceRecordSchema.parse(record);
      const names: Record<string, string> = { '#ord': 'ord' };
      const values: Record<string, unknown> = {
        ':ord': `${now().getTime().toString().padStart(15, '0')}-${(ordCounter++).toString().padStart(9, '0')}`,
      };
      const sets = Object.entries(valid).map(([k, v], i) => {
        names[`#a${i}`] = k;
        values[`:a${i}`] = v;
        return `#a${i} = :a${i}`;
      });
      await doc.send(
        new lib.UpdateCommand({
          TableName,
          Key: { pk: `INCIDENT#${valid.incidentId}`, sk: `INSTANCE#${valid.instanceId}` },
          UpdateExpression: `SET ${sets.join(', ')}, #ord = if_not_exists(#ord, :ord)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async getInstance(incidentId, instanceId): Promise<InstanceRecord | undefined> {
      const { doc, lib, TableName } = await db();
      const key = { pk: `INCIDENT#${incidentId}`, sk: `INSTANCE#${instanceId}` };
      const item = (await doc.send(new lib.GetCommand({ TableName, Key: key, ConsistentRead: true }))).Item;
      return item ? InstanceRecordSchema.parse(strip(item)) : undefined;
    },

    async listInstances(incidentId) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}`, ':p': 'INSTANCE#' },
        ConsistentRead: true,
      });
      items.sort((a, b) => String(a.ord).localeCompare(String(b.ord)) || String(a.sk).localeCompare(String(b.sk)));
      return items.map((i) => InstanceRecordSchema.parse(strip(i)));
    },

    async appendEvent(incidentId, event) {
      const { doc, lib, TableName } = await db();
      const valid = TimelineEventSchema.parse(event);
      const counter = await doc.send(
        new lib.UpdateCommand({
          TableName,
          Key: { pk: `INCIDENT#${incidentId}`, sk: 'COUNTER#EVENT' },
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const seq = Number(counter.Attributes?.n);
      await doc.send(
        new lib.PutCommand({
          TableName,
          Item: { ...valid, pk: `INCIDENT#${incidentId}`, sk: `EVENT#${seq.toString().padStart(10, '0')}` },
        }),
      );
    },

    async listEvents(incidentId): Promise<TimelineEvent[]> {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}`, ':p': 'EVENT#' },
        ConsistentRead: true,
      });
      return items.map((i) => TimelineEventSchema.parse(strip(i)));
    },

    getObservations: async () => (await db()).obs.getObservations(),
    putObservations: async (observations) => (await db()).obs.putObservations(observations),
    getSetting: async (key) => (await db()).obs.getSetting(key),
    putSetting: async (key, value) => (await db()).obs.putSetting(key, value),

    async close() {
      if (!connection || deps.client) return;
      (await connection).client.destroy();
    },
  };
}
