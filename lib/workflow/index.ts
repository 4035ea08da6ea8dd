export {
  type ExecutionInputRaw,
  EvacuateRoundInputSchema,
  FenceStepInputSchema,
  IsolateStepInputSchema,
  NotifyStepInputSchema,
  PlanStepInputSchema,
} from './schemas.js';
export { type Runtime, getRuntime, createRuntime, setRuntime } from './runtime.js';
export { InvalidExecutionInputError, UnknownHostError } from './errors.js';
export { evacuateRoundStep } from './steps/evacuate.js';
export { fenceStep } from './steps/fence.js';
export { isolateStep } from './steps/isolate.js';
export { notifyStep } from './steps/notify.js';
export { planStep } from './steps/plan.js';
export { validateStep, parseExecutionInput } from './steps/validate.js';
export { type LambdaHandler, runLocalExecution, type LocalExecutionResult } from './local-runner.js';
export { returnToService } from './return-to-service.js';
