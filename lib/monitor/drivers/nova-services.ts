import { errorMessage } from '../../errors.js';
import { listComputeServices, parseNovaTime } from '../../openstack/index.js';
import type { MonitorDriver } from './monitor-driver.js';

/** nova-compute services from GET /os-services, with Nova's Date header as the reference clock. */
export const novaServicesMonitor: MonitorDriver = async ({ session, signal }) => {
  try {
    const { services, serverDate } = await listComputeServices(session, signal);
    return {
      ok: true,
      serverDate,
      signals: services.map((s) => ({
        host: s.host,
        serviceId: s.id,
        status: s.status,
        state: s.state,
        forcedDown: s.forcedDown,
        updatedAt: parseNovaTime(s.updatedAt)?.toISOString() ?? null,
        disabledReason: s.disabledReason,
      })),
    };
  } catch (err) {
    return { ok: false, error: { name: (err as Error).name ?? 'Error', message: errorMessage(err) } };
  }
};
