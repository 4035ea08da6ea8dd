/**
 * Per-case figures for the summary: each case appends one JSON line to a file of the run
 * directory, which the summary reporter (summary-reporter.cjs) reads at the end of the run and
 * joins with jest's own pass/fail results by test name. Jest gives every test file its own
 * module registry (and workers are separate processes), so a file is the only shared medium.
 */
import { expect } from '@jest/globals';
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Where the JSON lines go; the reporter empties it when a run starts. */
export const RUN_DIR = join(process.cwd(), '.freezer-dr', 'reliability-run');

export type Category = 'faults' | 'duplicates' | 'bad-input' | 'secret-scan';

/** Actions that must never happen. Every count is 0 in a passing case. */
export interface Unsafe {
  /** An evacuation from a host that is not confirmed powered off (S1). */
  unconfirmedEvacuations: number;
  /** An instance evacuated more than once (S5). */
  doubleEvacuations: number;
  /** A host powered off more than once (a resume that re-fenced). */
  doubleFences: number;
  /** A host powered off although a gate (or the host name) said it must not be. */
  gatedFences: number;
  /** A PUT/POST that reached the cloud although the request was rejected (bad input). */
  changesFromRejectedInput: number;
}

/** Records that must never be missing or wrong. */
export interface Lost {
  /** Incidents still open when the case ends. */
  openIncidents: number;
  /** Instances of a recovered host with no final record (evacuated / failed / skipped / timeout). */
  instancesWithoutFinalRecord: number;
  /** A record that says "evacuated" where Nova disagrees (wrong host, not ACTIVE/SHUTOFF). */
  wrongRecords: number;
}

export interface CaseFigures {
  unsafe: Unsafe;
  lost: Lost;
  leaks: number;
}

export const noUnsafe = (): Unsafe => ({
  unconfirmedEvacuations: 0,
  doubleEvacuations: 0,
  doubleFences: 0,
  gatedFences: 0,
  changesFromRejectedInput: 0,
});
export const noLost = (): Lost => ({ openIncidents: 0, instancesWithoutFinalRecord: 0, wrongRecords: 0 });

let fileCategory: Category = 'faults';
let fileTitle = '';

function testPath(): string {
  return expect.getState().testPath ?? 'unknown';
}

function write(line: Record<string, unknown>, path = testPath()): void {
  mkdirSync(RUN_DIR, { recursive: true });
  appendFileSync(
    join(RUN_DIR, `${basename(path)}.${process.pid}.jsonl`),
    JSON.stringify({ ...line, file: path }) + '\n',
  );
}

/**
 * Declare what this test file is about: every case in it counts under `category` unless it
 * records another one. Call once at the top of the file (module scope).
 */
export function suite(category: Category, title: string): void {
  fileCategory = category;
  fileTitle = title;
}

/** Record the figures of the current case (call before asserting on them, so a failure still counts). */
export interface ScanFigures {
  items: number;
  bytes: number;
  secrets: number;
  kinds: string[];
}

export function recordCase(
  figures: Partial<CaseFigures> & { note?: string; category?: Category; scan?: ScanFigures },
): void {
  const state = expect.getState();
  write({
    kind: 'case',
    name: state.currentTestName ?? 'unknown',
    category: figures.category ?? fileCategory,
    title: fileTitle,
    unsafe: { ...noUnsafe(), ...figures.unsafe },
    lost: { ...noLost(), ...figures.lost },
    leaks: figures.leaks ?? 0,
    note: figures.note,
    scan: figures.scan,
  });
}

/** Record the file's default category, so cases that recorded nothing are still grouped. */
export function recordFile(): void {
  write({ kind: 'file', category: fileCategory, title: fileTitle });
}

export function totalUnsafe(u: Unsafe): number {
  return Object.values(u).reduce((a, b) => a + b, 0);
}

export function totalLost(l: Lost): number {
  return Object.values(l).reduce((a, b) => a + b, 0);
}
