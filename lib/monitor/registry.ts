import type { MonitorConfig } from '../config/index.js';
import type { MonitorDriver } from './drivers/monitor-driver.js';

/** Monitor drivers by config name (an alert webhook receiver would be one more line). */
const DRIVERS: Record<MonitorConfig['driver'], () => Promise<MonitorDriver>> = {
  'nova-services': async () => (await import('./drivers/nova-services.js')).novaServicesMonitor,
};

export function loadMonitorDriver(name: MonitorConfig['driver']): Promise<MonitorDriver> {
  return DRIVERS[name]();
}
