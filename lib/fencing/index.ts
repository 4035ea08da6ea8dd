export * from './errors.js';
export type { Fencer, FencerFactory, PowerAction, PowerState, ResolvedBmc } from './fencer.js';
export { fenceOff, powerOn, type FenceTiming } from './fence.js';
export { createFencer, bmcConfigFor } from './registry.js';
export * from './schemas.js';
