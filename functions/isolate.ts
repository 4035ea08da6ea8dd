import { stepHandler } from './middleware/task.js';
import { IsolateStepInputSchema } from '../lib/workflow/index.js';
import { isolateStep } from '../lib/workflow/index.js';

export const handler = stepHandler(IsolateStepInputSchema, isolateStep);
