import { stepHandler } from './middleware/task.js';
import { EvacuateStepInputSchema } from '../lib/workflow/schemas.js';
import { evacuateStep } from '../lib/workflow/steps/evacuate.js';

export const handler = stepHandler(EvacuateStepInputSchema, evacuateStep);
