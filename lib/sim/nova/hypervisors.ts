import { serviceIsUp } from '../hosts.js';
import { json, type HttpReply } from '../http.js';
import { uuidFrom } from '../ids.js';
import { requireAdmin, type NovaCtx } from './context.js';

/** GET /os-hypervisors[/detail]: fence_compute's connection check, and a second view of host state. */
export function listHypervisors(ctx: NovaCtx, detail: boolean): HttpReply {
  requireAdmin(ctx, 'os_compute_api:os-hypervisors:list');
  const { state, minor } = ctx;
  const hypervisors = state.services
    .filter((s) => s.binary === 'nova-compute')
    .map((svc, i) => {
      const v: Record<string, unknown> = {
        id: minor >= 53 ? uuidFrom(`hypervisor:${svc.host}`) : i + 1,
        hypervisor_hostname: svc.host,
        state: serviceIsUp(state, svc) ? 'up' : 'down',
        status: svc.disabled ? 'disabled' : 'enabled',
      };
      if (!detail) return v;
      const running = [...state.servers.values()].filter((s) => s.host === svc.host).length;
      Object.assign(v, {
        host_ip: '127.0.0.1',
        hypervisor_type: 'fake',
        hypervisor_version: 1000,
        service: { host: svc.host, id: minor >= 53 ? svc.uuid : svc.numericId, disabled_reason: svc.disabledReason },
      });
      if (minor < 88) {
        Object.assign(v, {
          vcpus: 64,
          memory_mb: 262144,
          local_gb: 2048,
          vcpus_used: 0,
          memory_mb_used: 512,
          local_gb_used: 0,
          free_ram_mb: 261632,
          free_disk_gb: 2048,
          current_workload: 0,
          running_vms: running,
          disk_available_least: 2048,
          cpu_info: '{}',
        });
      }
      return v;
    });
  return json(200, { hypervisors });
}
