import { stepHandler } from './middleware/task.js';
import { PlanStepInputSchema } from '../lib/workflow/schemas.js';
import { planStep } from '../lib/workflow/steps/plan.js';

export const handler = stepHandler(PlanStepInputSchema, planStep);
