import { stepHandler } from './middleware/task.js';
import { CheckStepInputSchema } from '../lib/workflow/index.js';
import { checkStep } from '../lib/workflow/index.js';

export const handler = stepHandler(CheckStepInputSchema, checkStep);
