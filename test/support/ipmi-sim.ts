/**
 * Test helper: one Debian `ipmi_sim` (package openipmi) per simulated BMC, on 127.0.0.1
 * with a free UDP port and its own temp dir.
 *
 * The simulated host is a tiny process that ipmi_sim starts on power-on (`startcmd`) and
 * SIGTERMs on power-off. It connects back to a TCP "watch" server of ours, so we learn
 * the instant the host lives or dies (onPowerChange) without polling, and so that it exits
 * by itself (EOF on that socket) when the helper stops or the test process dies: no leak.
 *
 * Every process is tracked by PID and killed by PID, never by name.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SimPrivilege = 'user' | 'operator' | 'admin';

export interface IpmiSimUser {
  name: string;
  password: string;
  /** The user's maximum privilege. Note: ipmi_sim 2.0.33 does not enforce it for name-only RAKP lookups. */
  privilege?: SimPrivilege;
}

export interface IpmiSimOptions {
  /** Users of the BMC; the first is the one reported as username/password. Defaults to admin/password (admin). */
  users?: IpmiSimUser[];
  /** The host ignores power-off: the BMC acknowledges it, the host stays on (SIGTERM ignored, no SIGKILL). */
  ignorePowerOff?: boolean;
  /** Host powered on when the BMC starts. Defaults to true. */
  poweredOn?: boolean;
}

export type PowerChange = 'on' | 'off';

export interface IpmiSim {
  /** host:port, as the fencing config takes it. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** PID of the ipmi_sim process. */
  readonly pid: number;
  /** Whether the simulated host process is alive: the ground truth, not the BMC's report. */
  isPoweredOn(): boolean;
  /** Called on every change of the host's power; returns an unsubscribe function. */
  onPowerChange(cb: (state: PowerChange) => void): () => void;
  /** Resolves when the host reaches `state` (immediately if it is there already). */
  waitForPower(state: PowerChange, timeoutMs?: number): Promise<void>;
  /** Pulls the plug on the host, bypassing the BMC (works even with ignorePowerOff). */
  forceHostOff(): Promise<void>;
  /** Powers the host on through the BMC (ipmitool chassis power on) and waits for it. */
  powerOn(): Promise<void>;
  /** Runs `ipmitool -I lanplus -C 3` against this BMC as the first user; resolves with stdout. */
  ipmitool(...args: string[]): Promise<string>;
  /** SIGKILLs the BMC only (a BMC crash): UDP goes silent, the host stays as it is. */
  kill(): Promise<void>;
  /** Stops the BMC and the host and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const IPMI_SIM = 'ipmi_sim';
const IPMITOOL = 'ipmitool';

/** Get Channel Authentication Capabilities, pre-session (capture frame #1): a cheap liveness probe. */
const PROBE = Buffer.from(
  '06 00 ff 07 00 00 00 00 00 00 00 00 00 09 20 18 c8 81 00 38 8e 04 b5'.replace(/ /g, ''),
  'hex',
);

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

export function hasIpmiSim(): boolean {
  return onPath(IPMI_SIM);
}

export function hasIpmitool(): boolean {
  return onPath(IPMITOOL);
}

const live = new Set<IpmiSim>();
const trackedPids = new Set<number>();

// Last resort for a test that forgot stop(): synchronous, by PID.
process.once('exit', () => {
  for (const pid of trackedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Stops every simulator this process started; for afterAll. */
export async function stopAllIpmiSims(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
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

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('watch server has no port');
  return addr.port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function quote(s: string): string {
  if (/["\\\n]/.test(s)) throw new Error(`ipmi_sim config values cannot contain quotes or backslashes: ${s}`);
  return `"${s}"`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function probe(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => resolve());
    });
    s.on('error', () => undefined);
    while (Date.now() < deadline) {
      const answered = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 100);
        s.once('message', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      s.send(PROBE, port, '127.0.0.1');
      if (await answered) return;
    }
    throw new Error(`ipmi_sim did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
  } finally {
    s.removeAllListeners('message');
    s.close();
  }
}

function hostScript(watchPort: number, ignorePowerOff: boolean): string {
  return [
    '#!/bin/bash',
    '# The simulated compute host: alive = powered on. Holds a TCP connection to the test',
    '# so the test sees it die, and exits on EOF so it never outlives the test.',
    `exec 3<>/dev/tcp/127.0.0.1/${watchPort} || exit 1`,
    ignorePowerOff ? "trap '' TERM" : '',
    'echo "on $$" >&3',
    'exec cat <&3 >/dev/null',
    '',
  ].join('\n');
}

export async function startIpmiSim(opts: IpmiSimOptions = {}): Promise<IpmiSim> {
  const users = opts.users ?? [{ name: 'admin', password: 'password', privilege: 'admin' }];
  const first = users[0];
  if (!first) throw new Error('startIpmiSim needs at least one user');
  const ignorePowerOff = opts.ignorePowerOff ?? false;

  const dir = await mkdtemp(join(tmpdir(), 'ipmi-sim-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);

  // The watch server: one connection per host life.
  let hostConn: Socket | undefined;
  let hostPid: number | undefined;
  let poweredOn = false;
  const listeners = new Set<(state: PowerChange) => void>();
  const emit = (state: PowerChange) => {
    for (const cb of [...listeners]) cb(state);
  };
  const watch = createServer((conn) => {
    let buffered = '';
    let announced = false;
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      if (announced) return;
      buffered += chunk;
      const m = /^on (\d+)\n/.exec(buffered);
      if (!m) return;
      announced = true;
      hostConn = conn;
      hostPid = Number(m[1]);
      trackedPids.add(hostPid);
      poweredOn = true;
      emit('on');
    });
    conn.on('error', () => undefined);
    // 'end' (the host's FIN) comes before 'close'; either means the host process is gone.
    const gone = () => {
      if (hostConn !== conn) return;
      if (hostPid !== undefined) trackedPids.delete(hostPid);
      hostConn = undefined;
      hostPid = undefined;
      poweredOn = false;
      emit('off');
    };
    conn.on('end', gone);
    conn.on('close', gone);
  });
  const watchPort = await listen(watch);

  const port = await freeUdpPort();
  const serialPort = await freeTcpPort();
  const script = join(dir, 'host.sh');
  await writeFile(script, hostScript(watchPort, ignorePowerOff));
  await chmod(script, 0o755);
  const conf = [
    `name ${quote(`bmc${port}`)}`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${port}`,
    '    priv_limit admin',
    `    guid a123456789abcdef${port.toString(16).padStart(16, '0')}`,
    '  endlan',
    // A serial channel with the VM codec is what gives ipmi_sim its chassis power control.
    `  serial 15 127.0.0.1 ${serialPort} codec VM`,
    `  startcmd ${quote(script)}`,
    `  startnow ${opts.poweredOn === false ? 'false' : 'true'}`,
    '  poweroff_wait 1',
    // 0 = never SIGKILL: with ignorePowerOff the host really survives the power-off.
    `  kill_wait ${ignorePowerOff ? 0 : 5}`,
    ...users.map(
      (u, i) => `  user ${i + 2} true ${quote(u.name)} ${quote(u.password)} ${u.privilege ?? 'admin'} 10 md5 straight`,
    ),
    '',
  ].join('\n');
  const emu = ['mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02', 'mc_enable 0x20', ''].join(
    '\n',
  );
  await writeFile(join(dir, 'lan.conf'), conf);
  await writeFile(join(dir, 'emu.cmd'), emu);

  const child: ChildProcess = spawn(
    IPMI_SIM,
    ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'emu.cmd'), '-s', stateDir, '-n'],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) {
    watch.close();
    await rm(dir, { recursive: true, force: true });
    await spawnError;
    throw new Error('ipmi_sim did not start');
  }
  trackedPids.add(pid);
  let bmcAlive = true;
  void exited.then(() => {
    bmcAlive = false;
    trackedPids.delete(pid);
  });

  const waitForPower = (state: PowerChange, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      if ((state === 'on') === poweredOn) return resolve();
      const timer = setTimeout(() => {
        off();
        reject(new Error(`host behind BMC 127.0.0.1:${port} did not power ${state} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = sim.onPowerChange((s) => {
        if (s !== state) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });

  let stopped = false;
  const killBmc = async (signal: NodeJS.Signals) => {
    if (!bmcAlive) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
  };

  const sim: IpmiSim = {
    address: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    username: first.name,
    password: first.password,
    pid,
    isPoweredOn: () => poweredOn,
    onPowerChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    waitForPower,
    async forceHostOff() {
      if (!poweredOn) return;
      const gone = waitForPower('off');
      // EOF makes the host's `cat` exit, whatever signals it ignores.
      hostConn?.end();
      await gone;
    },
    async powerOn() {
      if (poweredOn) return;
      const on = waitForPower('on');
      await sim.ipmitool('chassis', 'power', 'on');
      await on;
    },
    ipmitool(...args: string[]) {
      return new Promise<string>((resolve, reject) => {
        execFile(
          IPMITOOL,
          [
            '-I',
            'lanplus',
            '-C',
            '3',
            '-H',
            '127.0.0.1',
            '-p',
            String(port),
            '-U',
            first.name,
            '-P',
            first.password,
            ...args,
          ],
          { timeout: 15000 },
          (err, stdout, errOut) => {
            if (err) reject(new Error(`ipmitool ${args.join(' ')} failed: ${errOut || err.message}`));
            else resolve(stdout);
          },
        );
      });
    },
    async kill() {
      await killBmc('SIGKILL');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(sim);
      await killBmc('SIGTERM');
      const pidOfHost = hostPid;
      hostConn?.destroy();
      // The host exits on EOF; if it somehow does not, it is killed by the PID it announced.
      if (pidOfHost !== undefined) {
        for (let i = 0; i < 20 && alive(pidOfHost); i++) await sleep(25);
        if (alive(pidOfHost)) process.kill(pidOfHost, 'SIGKILL');
        trackedPids.delete(pidOfHost);
      }
      listeners.clear();
      await new Promise<void>((resolve) => watch.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  live.add(sim);

  try {
    await Promise.race([
      probe(port, 5000),
      spawnError,
      exited.then(() => Promise.reject(new Error(`ipmi_sim exited: ${stderr}`))),
    ]);
    if (opts.poweredOn !== false) await waitForPower('on', 5000);
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return sim;
}
