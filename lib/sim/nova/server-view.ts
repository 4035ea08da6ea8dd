import { createHash } from 'node:crypto';
import { isoSecondsZ, novaTime } from '../clock.js';
import { serviceIsUp } from '../hosts.js';
import { computeService, type CloudState, type ServerRec } from '../state.js';
import type { NovaCtx } from './context.js';

/** nova/api/openstack/common.py _STATE_MAP: vm_state + task_state → the API's `status`. */
const REBUILDING = { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' };
const STATE_MAP: Record<string, Record<string, string>> = {
  active: { default: 'ACTIVE', rebooting: 'REBOOT', migrating: 'MIGRATING', ...REBUILDING },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', ...REBUILDING },
  error: { default: 'ERROR', ...REBUILDING },
};

export function serverStatus(s: Pick<ServerRec, 'vmState' | 'taskState'>): string {
  const map = STATE_MAP[s.vmState];
  if (!map) return 'UNKNOWN';
  return (s.taskState !== null ? map[s.taskState] : undefined) ?? map['default']!;
}

/** What Nova reports about the instance's compute host (2.16+, admins): UP, DOWN, MAINTENANCE, UNKNOWN or "". */
function hostStatus(state: CloudState, s: ServerRec): string {
  if (!s.host) return '';
  const svc = computeService(state, s.host);
  if (!svc) return 'UNKNOWN';
  if (svc.forcedDown) return 'DOWN';
  if (svc.disabled) return 'MAINTENANCE';
  return serviceIsUp(state, svc) ? 'UP' : 'UNKNOWN';
}

function origin(state: CloudState): string {
  return state.endpoints.compute.replace(/\/v2\.1$/, '');
}

export function serverLinks(state: CloudState, id: string): unknown[] {
  return [
    { rel: 'self', href: `${state.endpoints.compute}/servers/${id}` },
    { rel: 'bookmark', href: `${origin(state)}/servers/${id}` },
  ];
}

function flavorView(ctx: NovaCtx, s: ServerRec): unknown {
  const f = ctx.state.seed.flavors.find((x) => x.id === s.flavorId);
  // 2.47 embeds the flavor as it was at boot; before, only a link to the flavor.
  if (ctx.minor < 47 || !f)
    return { id: s.flavorId, links: [{ rel: 'bookmark', href: `${origin(ctx.state)}/flavors/${s.flavorId}` }] };
  const view: Record<string, unknown> = {
    vcpus: f.vcpus,
    ram: f.ram,
    disk: f.disk,
    ephemeral: f.ephemeral,
    swap: f.swap,
    original_name: f.name,
  };
  if (ctx.admin) view['extra_specs'] = { ...f.extraSpecs };
  return view;
}

// eslint-disable-next-line max-lines-per-function -- test double: one server body, field by field as Nova returns it
export function serverView(ctx: NovaCtx, s: ServerRec): Record<string, unknown> {
  const { state, minor, admin } = ctx;
  const v: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: serverStatus(s),
    tenant_id: s.projectId,
    user_id: s.userId,
    metadata: { ...s.metadata },
    hostId: s.host
      ? createHash('sha224')
          .update(s.projectId + s.host)
          .digest('hex')
      : '',
    image: s.imageId
      ? { id: s.imageId, links: [{ rel: 'bookmark', href: `${origin(state)}/images/${s.imageId}` }] }
      : '',
    flavor: flavorView(ctx, s),
    created: isoSecondsZ(s.createdAt),
    updated: isoSecondsZ(s.updatedAt),
    addresses: {},
    accessIPv4: '',
    accessIPv6: '',
    links: serverLinks(state, s.id),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': s.host ? 'nova' : '',
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': s.launchedAt === null ? null : novaTime(s.launchedAt),
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': s.taskState,
    'OS-EXT-STS:vm_state': s.vmState,
    'OS-EXT-STS:power_state': s.powerState,
    'os-extended-volumes:volumes_attached': [],
  };
  if (admin) {
    v['OS-EXT-SRV-ATTR:host'] = s.host;
    v['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.node;
    v['OS-EXT-SRV-ATTR:instance_name'] = `instance-${s.seq.toString(16).padStart(8, '0')}`;
    if (minor >= 3) {
      v['OS-EXT-SRV-ATTR:hostname'] = s.name;
      v['OS-EXT-SRV-ATTR:reservation_id'] = `r-${s.id.slice(0, 8)}`;
      v['OS-EXT-SRV-ATTR:launch_index'] = 0;
      v['OS-EXT-SRV-ATTR:kernel_id'] = '';
      v['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      v['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
      v['OS-EXT-SRV-ATTR:user_data'] = null;
    }
    if (minor >= 16) v['host_status'] = hostStatus(state, s);
  }
  if (minor >= 9) v['locked'] = s.lockedBy !== null;
  if (minor >= 19) v['description'] = null;
  if (minor >= 26) v['tags'] = [];
  if (minor >= 63) v['trusted_image_certificates'] = null;
  if (minor >= 73) v['locked_reason'] = s.lockedReason;
  // Nova shows the fault only while the instance is in ERROR; details of a 500 only to admins.
  if (s.vmState === 'error' && s.fault) {
    const fault: Record<string, unknown> = {
      code: s.fault.code,
      created: isoSecondsZ(s.fault.created),
      message: s.fault.message,
    };
    if (s.fault.details && (admin || s.fault.code !== 500)) fault['details'] = s.fault.details;
    v['fault'] = fault;
  }
  return v;
}
