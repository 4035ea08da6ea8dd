import { stepHandler } from './middleware/task.js';
import { NotifyStepInputSchema } from '../lib/workflow/index.js';
import { notifyStep } from '../lib/workflow/index.js';

export const handler = stepHandler(NotifyStepInputSchema, notifyStep);
