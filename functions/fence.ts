import { stepHandler } from './middleware/task.js';
import { FenceStepInputSchema } from '../lib/workflow/index.js';
import { fenceStep } from '../lib/workflow/index.js';

export const handler = stepHandler(FenceStepInputSchema, fenceStep);
