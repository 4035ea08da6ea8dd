import { accessSync, constants, existsSync, mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreUnavailableError, type StoreProblem } from './errors.js';

/** SQLite primary result codes we read (https://sqlite.org/rescode.html). */
const SQLITE = { PERM: 3, READONLY: 8, IOERR: 10, CORRUPT: 11, FULL: 13, CANTOPEN: 14, NOTADB: 26 } as const;

/** Below this many free bytes a failed write is put down to a full disk. */
const NEARLY_FULL_BYTES = 64 * 1024;

interface Finding {
  problem: StoreProblem;
  what: string;
  hint: string;
}

/** Is this an error of SQLite or of the file system (rather than ours, e.g. IncidentExistsError)? */
export function isStorageError(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown };
  return e?.code === 'ERR_SQLITE_ERROR' || typeof e?.errcode === 'number' || /^E[A-Z]+$/.test(String(e?.code ?? ''));
}

function writable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Look at the file system around the store for the likely cause of a failure. */
function probe(file: string): Finding | undefined {
  const dir = dirname(file);
  if (!existsSync(dir))
    return {
      problem: 'directory-missing',
      what: `its directory ${dir} does not exist`,
      hint: `create it (mkdir -p ${dir}), or fix store.path in the config (a typo? a volume not mounted?)`,
    };
  if (!statSync(dir).isDirectory())
    return { problem: 'directory-missing', what: `${dir} is not a directory`, hint: 'fix store.path in the config' };
  if (existsSync(file) && statSync(file).isDirectory())
    return {
      problem: 'not-a-file',
      what: 'it is a directory, not a database file',
      hint: 'point store.path at a file, e.g. …/incidents.db',
    };
  const free = freeBytes(dir);
  if (free !== undefined && free < NEARLY_FULL_BYTES)
    return {
      problem: 'disk-full',
      what: `the disk is full (${free} bytes free on the file system of ${dir})`,
      hint: `free space there; the records already in the store are intact (SQLite rolls a failed write back)`,
    };
  for (const [path, kind] of [
    [dir, 'directory'],
    [file, 'file'],
  ] as const) {
    if (kind === 'file' && !existsSync(file)) continue;
    const code = writable(path);
    if (code === 'EROFS')
      return {
        problem: 'read-only',
        what: `the file system of ${path} is read-only`,
        hint: 'remount it read-write, or point store.path at a writable place',
      };
    if (code)
      return {
        problem: 'permissions',
        what: `the ${kind} ${path} is not writable (${code})`,
        hint: `give the user freezer-dr runs as write access to ${dir} and the file (SQLite also writes -wal and -shm files beside it)`,
      };
  }
  return undefined;
}

function corrupt(file: string, detail: string): Finding {
  return {
    problem: 'corrupt',
    what: `it is not a readable SQLite database (${detail}): corrupted, or not freezer-dr's file`,
    hint: `freezer-dr left it as it is. Restore it from a backup, or move it aside (mv '${file}' '${file}.broken') and a new, empty store is started: the incidents in the old file are then no longer seen`,
  };
}

/**
 * The store's directory: created when only its last level is missing (first run, `.freezer-dr/`);
 * a deeper gap is more likely a typo or a volume that is not mounted, so it is an error.
 */
export function ensureDirectory(path: string): void {
  const file = resolve(path);
  const dir = dirname(file);
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  const fail = (problem: StoreProblem, what: string, hint: string, cause?: unknown) =>
    new StoreUnavailableError(file, problem, `incident store ${file}: cannot open it: ${what}`, { cause, hint });
  if (!existsSync(parent))
    throw fail(
      'directory-missing',
      `its directory ${dir} does not exist, nor ${parent}`,
      `create it (mkdir -p ${dir}), or fix store.path in the config (a typo? a volume not mounted?)`,
    );
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') return;
    const [problem, hint]: [StoreProblem, string] =
      code === 'EROFS'
        ? ['read-only', 'remount it read-write, or point store.path at a writable place']
        : code === 'ENOSPC'
          ? ['disk-full', 'free space on that file system']
          : code === 'ENOTDIR'
            ? ['directory-missing', 'fix store.path in the config']
            : ['permissions', `create ${dir} for the user freezer-dr runs as, or fix store.path`];
    throw fail(problem, `its directory ${dir} does not exist and cannot be created (${code})`, hint, err);
  }
}

/** Turn a SQLite or file-system error on the store into a StoreUnavailableError naming file and cause. */
export function storeError(path: string, err: unknown, doing: string): StoreUnavailableError {
  const file = resolve(path);
  const e = err as { errcode?: number; errstr?: string; code?: string; message?: string };
  const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : undefined;
  const detail = e.errstr ?? e.code ?? e.message ?? 'error';
  let found: Finding | undefined;
  if (primary === SQLITE.NOTADB || primary === SQLITE.CORRUPT) found = corrupt(file, detail);
  else found = probe(file);
  if (!found && (primary === SQLITE.FULL || e.code === 'ENOSPC'))
    found = { problem: 'disk-full', what: 'the disk is full', hint: 'free space on its file system' };
  found ??= {
    problem: 'unknown',
    what: `SQLite: ${detail}`,
    hint: 'check the file and its directory (permissions, free space, the file system)',
  };
  return new StoreUnavailableError(file, found.problem, `incident store ${file}: cannot ${doing}: ${found.what}`, {
    cause: err,
    hint: found.hint,
  });
}
