import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config/index.js';
import { IncidentExistsError, IncidentNotFoundError, StoreError } from './errors.js';
import {
  IncidentSchema,
  ObservationSchema,
  TERMINAL_STATUSES,
  TimelineEventSchema,
  type Incident,
  type Observation,
  type TimelineEvent,
} from './schemas.js';
import { InstanceRecordSchema, type InstanceRecord } from '../evacuation/index.js';
import type { IncidentStore } from './store.js';

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
 *   OBS                  HOST#<host>        one Observation + expiresAt (TTL, epoch seconds, 7 days)
 *   SETTING#<key>        SETTING            value
 *
 * GSI "byCreated" (gsi1pk, gsi1sk), projection ALL: listIncidents newest first with one Query.
 * GSI "open" (gsi2pk, gsi2sk), sparse: only open incidents carry its keys, so the monitor's
 * listIncidents({openOnly}) every minute reads the few open ones, never the whole history.
 * Incidents are rare (a handful a month), so the single GSI partitions are never hot. Observations share
 * one partition ("OBS") so a monitor pass reads them with one Query instead of a Scan; a cloud has
 * hundreds of compute hosts at most.
 *
 * S4 without transactions. The lock item HOST#<host>/OPEN is written first with
 * `attribute_not_exists(pk) OR incidentId = :id`, then the META item with `attribute_not_exists(pk)`;
 * closing writes META first, then deletes the lock conditionally on its incidentId. So "an open META
 * has its lock" always holds, and a crash between the two writes leaves only a lock that the next
 * writer recognises as stale (its META is terminal, or it has no META after ORPHAN_LOCK_SECONDS) and
 * takes over. Single-item conditional writes are the only primitive used, so the same code runs on
 * DynamoDB and on dynalite (which has no TransactWriteItems) and the test suite exercises the real path.
 * A failed condition becomes IncidentExistsError carrying the existing incident.
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

/** How long observations live after their last write (the TTL on `expiresAt`). */
export const OBSERVATION_TTL_SECONDS = 7 * 24 * 3600;
/** A lock whose incident never got written (its creator crashed) is taken over after this long. */
export const ORPHAN_LOCK_SECONDS = 900;

const META = 'META';
const LOCK = 'OPEN';
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
const lockKey = (host: string) => ({ pk: `HOST#${host}`, sk: LOCK });
const settingKey = (key: string) => ({ pk: `SETTING#${key}`, sk: 'SETTING' });

type Item = Record<string, unknown>;
type Lock = { incidentId: string; acquiredAt: string; snapshot: Incident };
type DynamoStoreConfig = Extract<StoreConfig, { driver: 'dynamodb' }>;

export interface DynamoStoreDeps {
  /** A client to use instead of one built from the config; the store does not destroy it on close(). */
  client?: DynamoDBClient;
  now?: () => Date;
}

const isOpenStatus = (i: Incident) => !TERMINAL_STATUSES.has(i.status);

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

function strip(item: Item): Item {
  const out: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out;
}

/** The IncidentStore on DynamoDB (AWS SDK v3 DocumentClient). */
export function createDynamoStore(config: DynamoStoreConfig, deps: DynamoStoreDeps = {}): IncidentStore {
  const TableName = config.table;
  const ownClient = !deps.client;
  const client =
    deps.client ??
    new DynamoDBClient({
      ...(config.region ? { region: config.region } : {}),
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const now = deps.now ?? (() => new Date());
  let ordCounter = 0;

  const get = async (key: Item): Promise<Item | undefined> =>
    (await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }))).Item;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({ ...input, TableName, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items.slice(0, max);
  }

  async function readMeta(id: string): Promise<{ incident: Incident; version: number } | undefined> {
    const item = await get(incidentKey(id));
    if (!item) return undefined;
    return {
      incident: IncidentSchema.parse(strip(item)),
      version: typeof item.version === 'number' ? item.version : 0,
    };
  }

  async function readLock(host: string): Promise<Lock | undefined> {
    const item = await get(lockKey(host));
    if (!item) return undefined;
    return {
      incidentId: String(item.incidentId),
      acquiredAt: String(item.acquiredAt),
      snapshot: IncidentSchema.parse(item.snapshot),
    };
  }

  /** What a lock held by another incident means: that incident (still open or being created), or stale. */
  async function judgeLock(lock: Lock): Promise<{ live: Incident } | { stale: true }> {
    const meta = await readMeta(lock.incidentId);
    if (meta) return isOpenStatus(meta.incident) ? { live: meta.incident } : { stale: true };
    const ageSeconds = (now().getTime() - Date.parse(lock.acquiredAt)) / 1000;
    return ageSeconds < ORPHAN_LOCK_SECONDS ? { live: lock.snapshot } : { stale: true };
  }

  async function releaseLock(host: string, incidentId: string): Promise<void> {
    try {
      await doc.send(
        new DeleteCommand({
          TableName,
          Key: lockKey(host),
          ConditionExpression: '#iid = :id',
          ExpressionAttributeNames: { '#iid': 'incidentId' },
          ExpressionAttributeValues: { ':id': incidentId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // someone else's lock by now: leave it
    }
  }

  /** S4: take HOST#<host>/OPEN for this incident, or throw IncidentExistsError with the holder. */
  async function acquireLock(incident: Incident): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...lockKey(incident.host),
              incidentId: incident.id,
              acquiredAt: now().toISOString(),
              snapshot: incident,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #iid = :id',
            ExpressionAttributeNames: { '#iid': 'incidentId' },
            ExpressionAttributeValues: { ':id': incident.id },
          }),
        );
        return;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
      const holder = await readLock(incident.host);
      if (!holder || holder.incidentId === incident.id) continue; // released meanwhile: try again
      const verdict = await judgeLock(holder);
      if ('live' in verdict) throw new IncidentExistsError(verdict.live);
      await releaseLock(incident.host, holder.incidentId);
    }
    throw new StoreError(
      `could not take the open-incident lock for host ${incident.host} after ${MAX_ATTEMPTS} attempts`,
    );
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
      const valid = IncidentSchema.parse(incident);
      const open = isOpenStatus(valid);
      if (open) await acquireLock(valid);
      try {
        await doc.send(
          new PutCommand({ TableName, Item: metaItem(valid, 1), ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) {
          if (open) await releaseLock(valid.host, valid.id);
          throw err;
        }
        const existing = await readMeta(valid.id);
        // The lock stays only when it rightly belongs to the existing incident (same id, open, same host).
        if (open && !(existing && isOpenStatus(existing.incident) && existing.incident.host === valid.host))
          await releaseLock(valid.host, valid.id);
        if (existing) throw new IncidentExistsError(existing.incident);
        throw new StoreError(`incident ${valid.id} could not be written`, { cause: err });
      }
    },

    async getIncident(id) {
      return (await readMeta(id))?.incident;
    },

    async findOpenIncident(host) {
      const lock = await readLock(host);
      if (!lock) return undefined;
      const verdict = await judgeLock(lock);
      return 'live' in verdict ? verdict.live : undefined;
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
        if (!wasOpen && !closing) await acquireLock(next); // reopening: S4 again
        try {
          await doc.send(
            new PutCommand({
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
        if (wasOpen && closing) await releaseLock(next.host, id);
        return next;
      }
      throw new StoreError(`incident ${id} kept changing; update given up after ${MAX_ATTEMPTS} attempts`);
    },

    async putInstance(record) {
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
        new UpdateCommand({
          TableName,
          Key: { pk: `INCIDENT#${valid.incidentId}`, sk: `INSTANCE#${valid.instanceId}` },
          UpdateExpression: `SET ${sets.join(', ')}, #ord = if_not_exists(#ord, :ord)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async getInstance(incidentId, instanceId): Promise<InstanceRecord | undefined> {
      const item = await get({ pk: `INCIDENT#${incidentId}`, sk: `INSTANCE#${instanceId}` });
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
      const valid = TimelineEventSchema.parse(event);
      const counter = await doc.send(
        new UpdateCommand({
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
        new PutCommand({
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

    async getObservations(): Promise<Observation[]> {
      const nowSeconds = Math.floor(now().getTime() / 1000);
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OBS' },
        ConsistentRead: true,
      });
      // TTL deletion is lazy (hours to days): an expired item is already gone as far as we are concerned.
      return items
        .filter((i) => typeof i.expiresAt !== 'number' || i.expiresAt > nowSeconds)
        .map((i) => ObservationSchema.parse(strip(i)));
    },

    async putObservations(observations) {
      const expiresAt = Math.floor(now().getTime() / 1000) + OBSERVATION_TTL_SECONDS;
      const byHost = new Map(observations.map((o) => [o.host, ObservationSchema.parse(o)])); // a batch may not name a key twice
      let requests = [...byHost.values()].map((o) => ({
        PutRequest: { Item: { ...o, pk: 'OBS', sk: `HOST#${o.host}`, expiresAt } },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS)
          throw new StoreError(`${requests.length} observations left unwritten after ${MAX_ATTEMPTS} attempts`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const left: typeof requests = [];
        for (let i = 0; i < requests.length; i += 25) {
          const chunk = requests.slice(i, i + 25);
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: chunk } }));
          left.push(...((out.UnprocessedItems?.[TableName] ?? []) as typeof requests));
        }
        requests = left;
      }
    },

    async getSetting(key) {
      const item = await get(settingKey(key));
      return typeof item?.value === 'string' ? item.value : undefined;
    },

    async putSetting(key, value) {
      if (value === undefined) await doc.send(new DeleteCommand({ TableName, Key: settingKey(key) }));
      else await doc.send(new PutCommand({ TableName, Item: { ...settingKey(key), value } }));
    },

    async close() {
      if (ownClient) client.destroy();
    },
  };
}
