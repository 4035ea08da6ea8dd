export * from './errors.js';
export type {
  Fencer,
  FencerFactory,
  PowerAction,
  PowerState,
  ResolvedBmc,
  ResolvedIpmiBmc,
  ResolvedManualBmc,
  ResolvedRedfishBmc,
} from './fencer.js';
export { fenceOff, powerOn, type FenceTiming } from './fence.js';
// Drivers load through the registry only when a host uses them (cold start): never re-export one here.
export { createFencer, bmcConfigFor, resolveBmc } from './registry.js';
export { pollDelay, QUICK_POLL_MS } from './fence.js';
export * from './schemas.js';
