import { novaTime } from './clock.js';
import { serviceIsUp, serviceLastHeartbeat } from './hosts.js';
import { serverStatus } from './nova/server-view.js';
import { availabilityZoneOf, type CloudState } from './state.js';
import type { SimSnapshot } from './types.js';

/** Plain JSON copies of the model for assertions; mutating them changes nothing. */
export function snapshot(state: CloudState): SimSnapshot {
  return structuredClone({
    services: state.services.map((svc) => {
      const host = svc.binary === 'nova-compute' ? state.hosts.get(svc.host) : undefined;
      return {
        id: svc.uuid,
        numericId: svc.numericId,
        binary: svc.binary,
        host: svc.host,
        zone: svc.binary === 'nova-compute' ? availabilityZoneOf(state, svc.host) : svc.zone,
        status: svc.disabled ? ('disabled' as const) : ('enabled' as const),
        state: serviceIsUp(state, svc) ? ('up' as const) : ('down' as const),
        forcedDown: svc.forcedDown,
        disabledReason: svc.disabledReason,
        lastHeartbeatAt: new Date(serviceLastHeartbeat(state, svc)).toISOString(),
        running: host ? host.computeRunning : true,
        ...(host ? { power: host.power } : {}),
        pendingCleanup: host ? [...host.pendingCleanup] : [],
      };
    }),
    servers: [...state.servers.values()].map((s) => ({
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      userId: s.userId,
      host: s.host,
      status: serverStatus(s),
      vmState: s.vmState,
      taskState: s.taskState,
      powerState: s.powerState,
      launchedAt: s.launchedAt === null ? null : new Date(s.launchedAt).toISOString(),
      flavorId: s.flavorId,
      imageId: s.imageId,
      metadata: { ...s.metadata },
      fault: s.vmState === 'error' && s.fault ? { code: s.fault.code, message: s.fault.message } : null,
      locked: s.lockedBy !== null,
      lockedBy: s.lockedBy,
      lockedReason: s.lockedReason,
    })),
    migrations: state.migrations.map((m) => ({
      id: m.id,
      uuid: m.uuid,
      instanceUuid: m.instanceUuid,
      migrationType: m.migrationType,
      sourceCompute: m.sourceCompute,
      destCompute: m.destCompute,
      status: m.status,
      createdAt: novaTime(m.createdAt),
      updatedAt: novaTime(m.updatedAt),
    })),
  });
}
