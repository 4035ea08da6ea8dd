/**
 * The e2e suite's handle on the test bed that test/e2e/bed/start.sh runs: its description
 * (bed.json, written by the bed's seed step), the controls (ctl.sh: kill/stop/start a recorded
 * process, reset to a healthy cloud), the BMCs (ipmitool and their event logs) and a raw client.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawCloud } from '../../contract/openstack-http.js';

export const BED_SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'bed');
export const BED_DIR = process.env.FDR_BED_DIR ?? '/var/tmp/freezer-dr-e2e';
/** The bed's BMC password; freezer-dr reads it through `env:FDR_BED_BMC_PASSWORD`. */
export const BMC_PASSWORD = process.env.FDR_BED_BMC_PASSWORD ?? 'password';
export const BMC_USER = process.env.FDR_BED_BMC_USER ?? 'admin';
export const ADMIN_PASSWORD = process.env.FDR_BED_ADMIN_PASSWORD ?? 'admin';

export interface BedInfo {
  stateDir: string;
  authUrl: string;
  regionName: string;
  cloudName: string;
  cloudsYaml: string;
  freezerDrConfig: string;
  admin: { username: string; projectName: string; userDomainName: string; projectDomainName: string };
  admins: string[];
  computes: Array<{ host: string; bmc: { host: string; port: number } }>;
  projects: Array<{ name: string; id: string; members: Array<{ name: string; id: string; email: string | null }> }>;
  flavors: Record<string, string>;
  imageId: string;
  servers: Array<{ id: string; name: string; projectId: string; host: string }>;
}

export function bedIsUp(): boolean {
  return existsSync(join(BED_DIR, 'bed.json')) && existsSync(join(BED_DIR, 'run', 'nova-api.pid'));
}

export function loadBed(): BedInfo {
  return JSON.parse(readFileSync(join(BED_DIR, 'bed.json'), 'utf8')) as BedInfo;
}

export function adminCloud(bed: BedInfo = loadBed()): RawCloud {
  return new RawCloud({
    authUrl: bed.authUrl,
    username: bed.admin.username,
    password: ADMIN_PASSWORD,
    projectName: bed.admin.projectName,
    regionName: bed.regionName,
  });
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, env: { ...process.env, FDR_BED_DIR: BED_DIR }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}\n${stdout}`.trim()));
        else resolve(stdout);
      },
    );
  });
}

export const ctl = (...args: string[]) => run('bash', [join(BED_SRC, 'ctl.sh'), ...args], 300_000);

/** kill -9 of a recorded process (a compute: a hung host whose BMC still answers "on"). */
export async function killProcess(name: string): Promise<number> {
  return Number((await ctl('kill', name)).trim());
}

/** Back to a healthy cloud: every daemon and BMC running, computes up and enabled, the seeded servers ACTIVE on their hosts. */
export async function resetBed(): Promise<BedInfo> {
  await ctl('reset');
  return loadBed();
}

export function bmcOf(bed: BedInfo, host: string): { host: string; port: number } {
  const c = bed.computes.find((x) => x.host === host);
  if (!c) throw new Error(`no compute ${host} in the bed`);
  return c.bmc;
}

/** `ipmitool -I lanplus -C 3 chassis power status` against the host's BMC: 'on' | 'off'. */
export async function bmcPower(bed: BedInfo, host: string): Promise<'on' | 'off'> {
  const { host: addr, port } = bmcOf(bed, host);
  const out = await run(
    'ipmitool',
    [
      '-I',
      'lanplus',
      '-C',
      '3',
      '-H',
      addr,
      '-p',
      String(port),
      '-U',
      BMC_USER,
      '-P',
      BMC_PASSWORD,
      '-N',
      '1',
      '-R',
      '2',
      'chassis',
      'power',
      'status',
    ],
    20_000,
  );
  const m = /Chassis Power is (on|off)/.exec(out);
  if (!m) throw new Error(`unexpected ipmitool output: ${out}`);
  return m[1] as 'on' | 'off';
}

/** What the host's BMC did (bmc-power.sh's event log), one line per chassis command. */
export function bmcEvents(host: string): string[] {
  const f = join(BED_DIR, 'log', `bmc-${host}.events`);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

export function serversOf(bed: BedInfo, host: string) {
  return bed.servers.filter((s) => s.host === host);
}
