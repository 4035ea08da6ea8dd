/**
 * freezer-dr as an operator runs it against the bed: `freezer-dr start --config F` in its own
 * process (the real CLI, the real state machine in-process there), with a config derived from
 * the bed's freezer-dr.yaml (its clouds.yaml, IPMI BMCs with env: passwords) — a fresh incident
 * store and the test's SMTP server. Stopped with SIGTERM, by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { BED_DIR, BMC_PASSWORD, type BedInfo } from './bed.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(REPO, 'bin', 'freezer-dr.js');

export type RawConfig = Record<string, Record<string, unknown>>;

export interface WatchdogOptions {
  smtpPort: number;
  /** Change the derived config (gates, timings...) before it is written. */
  patch?: (config: RawConfig) => void;
  /** Its output also goes to $FDR_BED_DIR/log/watchdog-<logName>.log (to read after a failure). */
  logName?: string;
}

export interface Watchdog {
  readonly pid: number;
  readonly configPath: string;
  /** Every stdout/stderr line so far, each prefixed with ms since start (for failure messages). */
  readonly lines: string[];
  /** Resolves with the first line (seen or to come) matching `re`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  /** The local time (ms) at which the first line matching `re` was printed, if any. */
  seenAt(re: RegExp): number | undefined;
  /** The local time (ms) of every line matching `re` so far, in order. */
  seenAllAt(re: RegExp): number[];
  /** SIGTERM (the CLI finishes running executions), SIGKILL after `graceMs`. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  output(): string;
}

/** The bed's freezer-dr.yaml with a fresh store and the given SMTP port, written to a temp dir. */
export function writeWatchdogConfig(bed: BedInfo, opts: WatchdogOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'fdr-e2e-'));
  const config = parse(readFileSync(bed.freezerDrConfig, 'utf8')) as RawConfig;
  config.store = { driver: 'sqlite', path: join(dir, 'incidents.db') };
  const channels = (config.notification!.channels as Array<{ transport: { port: number } }>) ?? [];
  for (const c of channels) c.transport.port = opts.smtpPort;
  // A bed written before the second signal existed: its scenarios judge by Nova alone (see the
  // bed's freezer-dr.yaml); scenario 6 patches in a tcp-probe second signal.
  config.monitor ??= {};
  config.monitor.confirmation ??= 'nova-only';
  opts.patch?.(config);
  const path = join(dir, 'freezer-dr.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

export async function startWatchdog(bed: BedInfo, opts: WatchdogOptions): Promise<Watchdog> {
  const configPath = writeWatchdogConfig(bed, opts);
  const t0 = Date.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', configPath], {
    cwd: REPO,
    env: { ...process.env, FDR_BED_BMC_PASSWORD: BMC_PASSWORD, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const logFile = join(BED_DIR, 'log', `watchdog-${opts.logName ?? 'e2e'}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  appendFileSync(logFile, `--- ${new Date().toISOString()} freezer-dr start --config ${configPath}\n`);
  const seen: Array<{ at: number; line: string }> = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void }>();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const onData = (stream: NodeJS.ReadableStream) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const at = Date.now();
        seen.push({ at, line });
        lines.push(`${String(at - t0).padStart(7)} ${line}`);
        appendFileSync(logFile, `${lines.at(-1)}\n`);
        for (const w of [...waiters]) {
          if (!w.re.test(line)) continue;
          waiters.delete(w);
          w.resolve(line);
        }
      }
    });
  };
  onData(child.stdout!);
  onData(child.stderr!);

  const wd: Watchdog = {
    pid: child.pid!,
    configPath,
    lines,
    output: () => lines.join('\n'),
    seenAt: (re) => seen.find((s) => re.test(s.line))?.at,
    seenAllAt: (re) => seen.filter((s) => re.test(s.line)).map((s) => s.at),
    waitFor(re, timeoutMs) {
      const hit = seen.find((s) => re.test(s.line));
      if (hit) return Promise.resolve(hit.line);
      return new Promise<string>((resolve, reject) => {
        const w = { re, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `watchdog printed no line matching ${re} within ${timeoutMs} ms${exitCode !== undefined ? ` (it exited with ${exitCode})` : ''}; output:\n${wd.output()}`,
            ),
          );
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop(graceMs = 60_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    await Promise.race([
      wd.waitFor(/^freezer-dr watching /, 60_000),
      exited.then((c) => Promise.reject(new Error(`freezer-dr start exited with ${c}:\n${wd.output()}`))),
    ]);
  } catch (err) {
    await wd.stop(1000);
    throw err;
  }
  return wd;
}

/**
 * One freezer-dr command (`return`, `check`, ...) as an operator types it; resolves with its exit
 * code, what it printed on stdout (where a `--json` document goes) and both streams as they came.
 */
export function runCli(
  argv: string[],
  timeoutMs = 300_000,
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...argv], {
      cwd: REPO,
      env: { ...process.env, FDR_BED_BMC_PASSWORD: BMC_PASSWORD, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}
