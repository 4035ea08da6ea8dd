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
export { type LambdaHandler, runLocalExecution, type LocalExecutionResult } from './local-runner.js';
export { returnToService } from './return-to-service.js';
export { capacityDeps, scheduledCapacity, recordHeadroom } from './capacity.js';
export {
  runPreflight,
  preflightAndAlert,
  PreflightReportSchema,
  type PreflightReport,
  type PreflightCheck,
} from './preflight.js';
