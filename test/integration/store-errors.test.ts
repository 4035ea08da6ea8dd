/**
 * Store errors name the file and the likely cause, with a hint, and never lose a record: each
 * case breaks a real SQLite file or its file system (root: bind mounts, tmpfs, chattr), checks the
 * StoreUnavailableError, and checks that the existing file's bytes did not change.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, openSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreUnavailableError } from '../../lib/incidents/index.js';
import { createSqliteStore } from '../../lib/incidents/sqlite.js';
import {
  canBreak,
  cleanup,
  immutable,
  incident,
  readOnlyView,
  sha256,
  storeWithRecord,
  tempDir,
  tinyDisk,
} from '../support/broken-store.js';

const ROOT = canBreak();
const rootTest = ROOT ? test : test.skip;
if (!ROOT) process.stderr.write('store-errors: mount/chattr unavailable (not root?): those cases are skipped\n');

afterEach(cleanup);
afterAll(cleanup);

/** Open the store (and run `use` on it) expecting a StoreUnavailableError. */
async function failure(
  path: string,
  use: (s: ReturnType<typeof createSqliteStore>) => Promise<unknown> = (s) => s.listIncidents(),
): Promise<StoreUnavailableError> {
  try {
    const store = createSqliteStore(path);
    try {
      await use(store);
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (err) {
    expect(err).toBeInstanceOf(StoreUnavailableError);
    return err as StoreUnavailableError;
  }
  throw new Error('the store opened and worked: no error to check');
}

describe('store errors: the file, the cause, a hint, nothing lost', () => {
  test('garbage instead of a database: corrupt, and the file is left as it was', async () => {
    const path = join(tempDir('fdr-corrupt-'), 'incidents.db');
    writeFileSync(path, 'this is not a database\n'.repeat(100));
    const before = sha256(path);
    const err = await failure(path);
    expect(err.problem).toBe('corrupt');
    expect(err.message).toMatch(new RegExp(`^incident store ${path}: cannot open it: .*corrupted`));
    expect(err.hint).toMatch(/left it as it is\. Restore it from a backup, or move it aside \(mv /);
    expect(sha256(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  test('a database whose table pages are damaged: corrupt when read, bytes unchanged', async () => {
    const path = join(tempDir('fdr-corrupt-pages-'), 'incidents.db');
    const store = createSqliteStore(path);
    for (let i = 0; i < 50; i++) await store.createIncident(incident(`inc-${i}`, `host-${i}`));
    await store.close();
    // Keep page 1 (header and schema: it opens) and scribble over the table pages after it.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 6, 0xa5), 0, 4096 * 6, 4096);
    closeSync(fd);
    const before = sha256(path);
    const err = await failure(path);
    expect(err.problem).toBe('corrupt');
    expect(err.message).toContain(path);
    expect(sha256(path)).toBe(before);
  });

  rootTest('a read-only file system (bind mount): read-only, the record still there', async () => {
    const dir = tempDir('fdr-ro-src-');
    await storeWithRecord(join(dir, 'incidents.db'));
    const before = sha256(join(dir, 'incidents.db'));
    const path = join(readOnlyView(dir), 'incidents.db');
    const err = await failure(path);
    expect(err.problem).toBe('read-only');
    expect(err.message).toMatch(
      new RegExp(`^incident store ${path}: cannot open it: the file system of .* is read-only`),
    );
    expect(err.hint).toMatch(/remount it read-write, or point store\.path at a writable place/);
    expect(sha256(join(dir, 'incidents.db'))).toBe(before);
    const again = createSqliteStore(join(dir, 'incidents.db'));
    expect((await again.getIncident('inc-keep-1'))?.host).toBe('compute-keep');
    await again.close();
  });

  rootTest('a directory that cannot be created on a read-only file system', async () => {
    const path = join(readOnlyView(tempDir('fdr-ro-empty-')), 'state', 'incidents.db');
    const err = await failure(path);
    expect(err.problem).toBe('read-only');
    expect(err.message).toMatch(/its directory .*\/state does not exist and cannot be created \(EROFS\)/);
  });

  rootTest('an immutable directory (chattr +i, fails even for root): permissions, bytes unchanged', async () => {
    const dir = tempDir('fdr-immutable-');
    const path = join(dir, 'incidents.db');
    await storeWithRecord(path);
    const before = sha256(path);
    immutable(dir);
    const err = await failure(path);
    expect(err.problem).toBe('permissions');
    expect(err.message).toMatch(
      new RegExp(`^incident store ${path}: cannot open it: the directory ${dir} is not writable \\(EPERM\\)`),
    );
    expect(err.hint).toMatch(/give the user freezer-dr runs as write access/);
    expect(sha256(path)).toBe(before);
  });

  test('a missing directory (two levels): directory-missing, nothing created', async () => {
    const base = tempDir('fdr-missing-');
    const path = join(base, 'no-such', 'dir', 'incidents.db');
    const err = await failure(path);
    expect(err.problem).toBe('directory-missing');
    expect(err.message).toBe(
      `incident store ${path}: cannot open it: its directory ${join(base, 'no-such', 'dir')} does not exist, nor ${join(base, 'no-such')}`,
    );
    expect(err.hint).toMatch(/mkdir -p .*fix store\.path/);
    expect(existsSync(join(base, 'no-such'))).toBe(false);
  });

  test('one missing level is created (first run: .freezer-dr/)', async () => {
    const path = join(tempDir('fdr-first-run-'), '.freezer-dr', 'incidents.db');
    const store = createSqliteStore(path);
    await store.createIncident(incident('inc-first', 'compute-1'));
    expect((await store.getIncident('inc-first'))?.host).toBe('compute-1');
    await store.close();
  });

  test('a directory where the file should be: not-a-file', async () => {
    const path = join(tempDir('fdr-dir-as-file-'), 'incidents.db');
    mkdirSync(path);
    const err = await failure(path);
    expect(err.problem).toBe('not-a-file');
    expect(err.message).toMatch(/it is a directory, not a database file/);
  });

  rootTest('a full disk (tiny tmpfs): disk-full on write, the records intact once space is back', async () => {
    const disk = tinyDisk(512);
    const path = join(disk.dir, 'incidents.db');
    await storeWithRecord(path);
    const store = createSqliteStore(path);
    disk.fill();
    const before = sha256(path);
    let err: unknown;
    try {
      for (let i = 0; i < 200; i++) await store.createIncident(incident(`inc-more-${i}`, `host-more-${i}`));
    } catch (e) {
      err = e;
    }
    await store.close().catch(() => undefined);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const e = err as StoreUnavailableError;
    expect(e.problem).toBe('disk-full');
    expect(e.message).toMatch(new RegExp(`^incident store ${path}: cannot (write to|open) it: the disk is full`));
    expect(e.hint).toMatch(/free space there; the records already in the store are intact/);
    expect(sha256(path)).toBe(before);
    disk.free();
    const again = createSqliteStore(path);
    expect((await again.getIncident('inc-keep-1'))?.host).toBe('compute-keep');
    await again.close();
  });

  test('our own errors pass through unchanged (an open incident is not a storage problem)', async () => {
    const path = join(tempDir('fdr-own-'), 'incidents.db');
    const store = createSqliteStore(path);
    await store.createIncident(incident('inc-a', 'compute-1'));
    await expect(store.createIncident(incident('inc-b', 'compute-1'))).rejects.toMatchObject({
      name: 'IncidentExistsError',
    });
    await store.close();
  });
});
