import { stepHandler } from './middleware/task.js';
import { TargetsStepInputSchema, targetsStep } from '../lib/workflow/index.js';

export const handler = stepHandler(TargetsStepInputSchema, targetsStep);
