import { DatabaseSync } from 'node:sqlite';
import { IncidentExistsError, IncidentNotFoundError } from './errors.js';
import { shouldWrite } from './observations.js';
import { ensureDirectory, isStorageError, storeError } from './sqlite-diagnose.js';
import { IncidentSchema, ObservationSchema, TERMINAL_STATUSES, TimelineEventSchema, type Incident } from './schemas.js';
import { InstanceRecordSchema } from '../evacuation/index.js';
import type { IncidentStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  -- set to the host while the incident is open, NULL once closed: the UNIQUE index is S4
  open_host TEXT UNIQUE,
  created_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS instances (incident_id TEXT NOT NULL, instance_id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (incident_id, instance_id));
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_incident ON events (incident_id, seq);
CREATE TABLE IF NOT EXISTS observations (host TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** The embedded store: one SQLite file (or ":memory:") through node:sqlite, no native addon. */
// eslint-disable-next-line max-lines-per-function -- a factory: the store methods share one database handle in a closure; each method is short
export function createSqliteStore(path: string): IncidentStore {
  const db = open(path);

  const readIncident = (row: unknown): Incident | undefined =>
    row ? IncidentSchema.parse(JSON.parse((row as { data: string }).data)) : undefined;
  const getIncidentSync = (id: string) => readIncident(db.prepare('SELECT data FROM incidents WHERE id = ?').get(id));
  const findOpenSync = (host: string) =>
    readIncident(db.prepare('SELECT data FROM incidents WHERE open_host = ?').get(host));

  const store: IncidentStore = {
    async createIncident(incident) {
      const valid = IncidentSchema.parse(incident);
      const open = TERMINAL_STATUSES.has(valid.status) ? null : valid.host;
      try {
        db.prepare('INSERT INTO incidents (id, host, open_host, created_at, data) VALUES (?, ?, ?, ?, ?)').run(
          valid.id,
          valid.host,
          open,
          valid.createdAt,
          JSON.stringify(valid),
        );
      } catch (err) {
        if (/UNIQUE|PRIMARY KEY/i.test((err as Error).message)) {
          const existing = getIncidentSync(valid.id) ?? findOpenSync(valid.host);
          if (existing) throw new IncidentExistsError(existing);
        }
        throw err;
      }
    },
    async getIncident(id) {
      return getIncidentSync(id);
    },
    async findOpenIncident(host) {
      return findOpenSync(host);
    },
    async listIncidents(opts = {}) {
      const rows = db
        .prepare(
          `SELECT data FROM incidents ${opts.openOnly ? 'WHERE open_host IS NOT NULL' : ''} ORDER BY created_at DESC LIMIT ?`,
        )
        .all(opts.limit ?? 1000);
      return rows.map((r) => readIncident(r)!);
    },
    async updateIncident(id, patch) {
      const current = getIncidentSync(id);
      if (!current) throw new IncidentNotFoundError(id);
      const next = IncidentSchema.parse({
        ...current,
        ...patch,
        updatedAt: patch.updatedAt ?? new Date().toISOString(),
      });
      const closing = TERMINAL_STATUSES.has(next.status);
      if (closing && !next.closedAt) next.closedAt = next.updatedAt;
      db.prepare('UPDATE incidents SET data = ?, open_host = ? WHERE id = ?').run(
        JSON.stringify(next),
        closing ? null : next.host,
        id,
      );
      return next;
    },
    async putInstance(record) {
      const valid = InstanceRecordSchema.parse(record);
      db.prepare(
        'INSERT INTO instances (incident_id, instance_id, data) VALUES (?, ?, ?) ON CONFLICT (incident_id, instance_id) DO UPDATE SET data = excluded.data',
      ).run(valid.incidentId, valid.instanceId, JSON.stringify(valid));
    },
    async getInstance(incidentId, instanceId) {
      const row = db
        .prepare('SELECT data FROM instances WHERE incident_id = ? AND instance_id = ?')
        .get(incidentId, instanceId) as { data: string } | undefined;
      return row ? InstanceRecordSchema.parse(JSON.parse(row.data)) : undefined;
    },
    async listInstances(incidentId) {
      const rows = db.prepare('SELECT data FROM instances WHERE incident_id = ? ORDER BY rowid').all(incidentId) as {
        data: string;
      }[];
      return rows.map((r) => InstanceRecordSchema.parse(JSON.parse(r.data)));
    },
    async appendEvent(incidentId, event) {
      db.prepare('INSERT INTO events (incident_id, data) VALUES (?, ?)').run(
        incidentId,
        JSON.stringify(TimelineEventSchema.parse(event)),
      );
    },
    async listEvents(incidentId) {
      const rows = db.prepare('SELECT data FROM events WHERE incident_id = ? ORDER BY seq').all(incidentId) as {
        data: string;
      }[];
      return rows.map((r) => TimelineEventSchema.parse(JSON.parse(r.data)));
    },
    async getObservations() {
      const rows = db.prepare('SELECT data FROM observations').all() as { data: string }[];
      return rows.map((r) => ObservationSchema.parse(JSON.parse(r.data)));
    },
    async putObservations(observations) {
      const kept = new Map(
        (db.prepare('SELECT data FROM observations').all() as { data: string }[]).map((r) => {
          const o = ObservationSchema.parse(JSON.parse(r.data));
          return [o.host, o];
        }),
      );
      const upsert = db.prepare(
        'INSERT INTO observations (host, data) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET data = excluded.data',
      );
      db.exec('BEGIN');
      try {
        for (const raw of observations) {
          const o = ObservationSchema.parse(raw);
          if (shouldWrite(kept.get(o.host), o)) upsert.run(o.host, JSON.stringify(o));
        }
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async getSetting(key) {
      const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
      return row?.value;
    },
    async putSetting(key, value) {
      if (value === undefined) db.prepare('DELETE FROM settings WHERE key = ?').run(key);
      else
        db.prepare(
          'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        ).run(key, value);
    },
    async close() {
      db.close();
    },
  };
  return path === ':memory:' ? store : guarded(store, path);
}

/**
 * Open (or create) the database. A failure names the file and its likely cause; nothing here ever
 * deletes, recreates or truncates an existing file — a corrupted one is left for the operator.
 */
function open(path: string): DatabaseSync {
  if (path !== ':memory:') ensureDirectory(path);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    // WAL with synchronous=NORMAL: a commit survives the process being killed (what resume needs),
    // without an fsync per write blocking the event loop for milliseconds each. A power cut may lose
    // the last commits; S5 does not rest on them, it re-reads Nova before every evacuate request.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    db.exec(SCHEMA);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Already unusable: the error that matters is the one below.
    }
    throw storeError(path, err, 'open it');
  }
}

/** Every method: a SQLite or file-system error becomes a StoreUnavailableError; ours pass as they are. */
function guarded(store: IncidentStore, path: string): IncidentStore {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store) as Array<[string, (...a: unknown[]) => Promise<unknown>]>) {
    const doing = /^(get|list|find)/.test(name) ? 'read it' : 'write to it';
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw isStorageError(err) ? storeError(path, err, doing) : err;
      }
    };
  }
  return wrapped as unknown as IncidentStore;
}
