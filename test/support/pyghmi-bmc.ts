/**
 * Test helper: the pyghmi BMC of pyghmi-bmc.py (Debian package python3-pyghmi, what VirtualBMC
 * is built on) on 127.0.0.1 and a free UDP port. Its power state lives in memory; we learn of
 * each change from its stdout. It exits when its stdin closes, and is killed by PID on stop.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: python3-pyghmi is installed for it, not for a pyenv or venv python. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pyghmi-bmc.py', import.meta.url));

export function hasPyghmi(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pyghmi.ipmi.bmc'], { stdio: 'ignore' }).status === 0;
}

export interface PyghmiBmc {
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The BMC's in-memory power state, as it last printed it. */
  power(): 'on' | 'off';
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startPyghmiBmc(opts: { poweredOn?: boolean } = {}): Promise<PyghmiBmc> {
  const port = await freeUdpPort();
  const username = 'admin';
  const password = 'pyghmi-pass';
  let power: 'on' | 'off' = opts.poweredOn === false ? 'off' : 'on';
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, String(port), username, password, power], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pyghmi BMC did not start: ${stderr}`)), 10_000);
    child.once('error', reject);
    void exited.then(() => reject(new Error(`pyghmi BMC exited: ${stderr}`)));
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      buffered += d;
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i).trim();
        buffered = buffered.slice(i + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        }
        const m = /^power (on|off)$/.exec(line);
        if (m) power = m[1] as 'on' | 'off';
      }
    });
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.stdin?.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `127.0.0.1:${port}`, port, username, password, power: () => power, stop };
}
