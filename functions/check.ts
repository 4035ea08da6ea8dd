import { stepHandler } from './middleware/task.js';
import { CheckStepInputSchema } from '../lib/workflow/schemas.js';
import { checkStep } from '../lib/workflow/steps/evacuate.js';

export const handler = stepHandler(CheckStepInputSchema, checkStep);
