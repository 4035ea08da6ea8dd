import { stepHandler } from './middleware/task.js';
import { PlanStepInputSchema } from '../lib/workflow/index.js';
import { planStep } from '../lib/workflow/index.js';

export const handler = stepHandler(PlanStepInputSchema, planStep);
