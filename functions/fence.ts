import { stepHandler } from './middleware/task.js';
import { FenceStepInputSchema } from '../lib/workflow/schemas.js';
import { fenceStep } from '../lib/workflow/steps/fence.js';

export const handler = stepHandler(FenceStepInputSchema, fenceStep);
