/**
 * Real broken places for the SQLite store, for the store-error tests: a corrupted file, a
 * read-only bind mount, an immutable directory (chattr +i: fails even for root), a tiny tmpfs that
 * fills up, a missing directory. Mounts and attributes need root; `canBreak()` says whether this
 * machine allows them. Every helper undoes itself in `cleanup()`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../lib/incidents/sqlite.js';
import { IncidentSchema, type Incident } from '../../lib/incidents/index.js';

const undo: Array<() => void> = [];

function run(cmd: string, ...args: string[]): void {
  execFileSync(cmd, args, { stdio: 'ignore' });
}

/** Root with mount and chattr available (a container without CAP_SYS_ADMIN says no). */
export function canBreak(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'fdr-canbreak-'));
  try {
    run('mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir);
    run('umount', dir);
    run('chattr', '+i', dir);
    run('chattr', '-i', dir);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function incident(id: string, host: string): Incident {
  const now = new Date().toISOString();
  return IncidentSchema.parse({
    id,
    host,
    status: 'open',
    reason: 'store-error test',
    requestedBy: 'test',
    detectedAt: now,
    createdAt: now,
    updatedAt: now,
  });
}

/** A store file holding one incident, closed (checkpointed: the -wal is folded into the file). */
export async function storeWithRecord(path: string, id = 'inc-keep-1'): Promise<void> {
  const store = createSqliteStore(path);
  await store.createIncident(incident(id, 'compute-keep'));
  await store.close();
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `dir` seen read-only at a second place (a read-only bind mount): EROFS for everyone, root included. */
export function readOnlyView(dir: string): string {
  const view = tempDir('fdr-ro-view-');
  run('mount', '--bind', dir, view);
  undo.push(() => run('umount', view));
  run('mount', '-o', 'remount,bind,ro', view);
  return view;
}

/** chattr +i: no new file (so no -wal/-shm) in the directory, even for root. */
export function immutable(path: string): void {
  run('chattr', '+i', path);
  undo.unshift(() => run('chattr', '-i', path));
}

/** A tmpfs of `kib` KiB; `fill()` takes what is left. */
export function tinyDisk(kib: number): { dir: string; fill(): void; free(): void } {
  const dir = tempDir('fdr-full-');
  run('mount', '-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir);
  undo.unshift(() => run('umount', dir));
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      // 4 KiB at a time until the file system refuses: it is then really full.
      const block = Buffer.alloc(4096, 1);
      for (;;) {
        try {
          appendFileSync(filler, block);
        } catch {
          return;
        }
      }
    },
    free() {
      if (existsSync(filler)) rmSync(filler);
    },
  };
}

export function cleanup(): void {
  for (const f of undo.splice(0)) {
    try {
      f();
    } catch {
      // Best effort: the next one must still run.
    }
  }
}
