export * from './runtime.js';
export * from './schemas.js';
export { InvalidExecutionInputError, UnknownHostError } from './errors.js';
export { evacuateRoundStep } from './steps/evacuate.js';
export { fenceStep } from './steps/fence.js';
export { isolateStep } from './steps/isolate.js';
export { notifyStep } from './steps/notify.js';
export { planStep } from './steps/plan.js';
export { validateStep } from './steps/validate.js';
export {
  parseExecutionInput,
  buildExecutionInput,
  findComputeService,
  newIncident,
  openIncident,
  type RecoveryRequest,
} from './front-door.js';
export { assessRecovery, ReadinessSchema, type Readiness } from './readiness.js';
export { OperatorConfirmationRefusedError, TaskDeadlineError } from './errors.js';
export {
  type LambdaHandler,
  runLocalExecution,
  prepareLocalExecution,
  type LocalExecutionResult,
  type HistoryEvent,
} from './local-runner.js';
export { returnToService } from './return-to-service.js';
export { capacityDeps, scheduledCapacity, recordHeadroom } from './capacity.js';
export {
  runPreflight,
  preflightAndAlert,
  PreflightReportSchema,
  type PreflightReport,
  type PreflightCheck,
} from './preflight.js';
export { planReport, PlanReportSchema, type PlanReport } from './plan-report.js';
export { closeIncident, prepareRetry, type CloseRequest, type RetryPlan } from './incident-ops.js';
export {
  executionLiveness,
  withExecutionLease,
  readLease,
  LEASE_RENEW_MS,
  LEASE_STALE_MS,
  type ExecutionLease,
  type Liveness,
} from './lease.js';
export { targetsStep, prepareTargetsStep, releaseTargetsStep, previewReservedHost } from './steps/targets.js';
export * from './targets-schemas.js';
