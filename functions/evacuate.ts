import { stepHandler } from './middleware/task.js';
import { EvacuateStepInputSchema } from '../lib/workflow/index.js';
import { evacuateStep } from '../lib/workflow/index.js';

export const handler = stepHandler(EvacuateStepInputSchema, evacuateStep);
