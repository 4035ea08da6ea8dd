import type { MonitorConfig, SecondSignalConfig } from '../config/index.js';
import type { MonitorDriver } from './drivers/monitor-driver.js';
import type { SecondSignalDriver } from './drivers/second-signal.js';

/** Monitor drivers by config name (an alert webhook receiver would be one more line). */
const DRIVERS: Record<MonitorConfig['driver'], () => Promise<MonitorDriver>> = {
  'nova-services': async () => (await import('./drivers/nova-services.js')).novaServicesMonitor,
};

/** Second-signal drivers by config name, loaded only once the config names one. */
const SECOND_SIGNALS: Record<SecondSignalConfig['driver'], () => Promise<SecondSignalDriver>> = {
  prometheus: async () => (await import('./drivers/prometheus.js')).prometheusSignal as SecondSignalDriver,
  'tcp-probe': async () => (await import('./drivers/tcp-probe.js')).tcpProbeSignal as SecondSignalDriver,
};

export function loadMonitorDriver(name: MonitorConfig['driver']): Promise<MonitorDriver> {
  return DRIVERS[name]();
}

export function loadSecondSignal(name: SecondSignalConfig['driver']): Promise<SecondSignalDriver> {
  return SECOND_SIGNALS[name]();
}
