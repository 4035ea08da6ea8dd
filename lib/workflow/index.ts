export * from './runtime.js';
export * from './schemas.js';
