export * from './schemas.js';
export * from './errors.js';
export { loadConfigFile, parseConfig, DEFAULT_CONFIG_FILE } from './load.js';
export { resolveCloud, ResolvedCloudSchema, type ResolvedCloud } from './cloud.js';
export { resolveSecret, readReference } from './secrets.js';
export { formatIssues } from './issues.js';
export { findInlineSecrets } from './inline-secrets.js';
export { EvacuationRetriesSchema, EvacuationLockSchema, type EvacuationRetriesConfig } from './evacuation-run.js';
